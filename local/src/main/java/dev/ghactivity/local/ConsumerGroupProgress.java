package dev.ghactivity.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tells whether a consumer group (the streams-app, a sink connector) has processed every committed record
 * of some topics. Offsets alone cannot say so: transactional topics end with commit markers that a
 * consumer never "processes", so a sink's committed offset stops one short of the end offset. So we
 * find each partition's last committed <em>data</em> record and compare the group's offset with that.
 */
final class ConsumerGroupProgress implements AutoCloseable {
    private static final long FIRST_LOOKBACK = 64;

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> reader;

    ConsumerGroupProgress(String bootstrapServers) {
        Map<String, Object> adminConfig = new HashMap<>();
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(adminConfig);
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        this.reader = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Offset of the last committed record of every non-empty partition of {@code topics}. */
    Map<TopicPartition, Long> lastDataOffsets(Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : reader.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        reader.assign(partitions);
        Map<TopicPartition, Long> begin = reader.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = reader.endOffsets(partitions); // read_committed: the last stable offset
        Map<TopicPartition, Long> last = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long lookback = FIRST_LOOKBACK;
            while (end.get(tp) > begin.get(tp)) {
                long start = Math.max(begin.get(tp), end.get(tp) - lookback);
                Long found = lastRecordFrom(tp, start, end.get(tp));
                if (found != null) {
                    last.put(tp, found);
                    break;
                }
                if (start == begin.get(tp)) {
                    break; // only markers and aborted records
                }
                lookback *= 16;
            }
        }
        reader.assign(List.of());
        return last;
    }

    private Long lastRecordFrom(TopicPartition tp, long start, long end) {
        reader.assign(List.of(tp));
        reader.seek(tp, start);
        Long lastOffset = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reader.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
                lastOffset = record.offset();
            }
        }
        return lastOffset;
    }

    /** Records of {@code lastDataOffsets} that {@code groupId} has not committed yet (0 = caught up). */
    long pendingRecords(String groupId, Map<TopicPartition, Long> lastDataOffsets) {
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(groupId);
        long pending = 0;
        for (Map.Entry<TopicPartition, Long> e : lastDataOffsets.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long next = c == null ? 0 : c.offset();
            pending += Math.max(0, e.getValue() + 1 - next);
        }
        return pending;
    }

    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(String groupId) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(Map.of(groupId, new ListConsumerGroupOffsetsSpec()))
                    .partitionsToOffsetAndMetadata(groupId).get();
            return offsets.entrySet().stream()
                    .filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        } catch (ExecutionException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /** Names of the topics of {@code applicationId} (a Kafka Streams application) that end with {@code suffix}, sorted. */
    List<String> internalTopics(String applicationId, String suffix) {
        return reader.listTopics(Duration.ofSeconds(30)).keySet().stream()
                .filter(t -> t.startsWith(applicationId + "-") && t.endsWith(suffix))
                .sorted()
                .collect(Collectors.toList());
    }

    static Set<String> topicsOf(Map<TopicPartition, Long> offsets) {
        return offsets.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet());
    }

    @Override
    public void close() {
        reader.close();
        admin.close();
    }
}
