package dev.ghactivity.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * When a Streams application has processed everything: its group has committed every input record, and
 * every repartition topic of the application is drained too (committing the source topic alone says
 * nothing about the sub-topologies behind a repartition).
 */
final class KafkaProgress implements AutoCloseable {
    private final Admin admin;

    KafkaProgress(String bootstrapServers) {
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers));
    }

    /**
     * Waits until {@code applicationId} has committed {@code records} records of {@code inputTopic} (written
     * without transactions, so offsets count records) and has no lag on its repartition topics.
     */
    void awaitProcessed(String applicationId, String inputTopic, long records, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committed(applicationId, Set.of(inputTopic)).values().stream().mapToLong(Long::longValue).sum() < records) {
            pause(deadline, applicationId + " did not commit " + records + " records of " + inputTopic);
        }
        Set<String> internal = admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-repartition")).collect(Collectors.toSet());
        if (internal.isEmpty()) {
            return;
        }
        while (true) {
            Map<TopicPartition, Long> done = committed(applicationId, internal);
            Map<TopicPartition, Long> ends = endOffsets(internal);
            // Transactional topics end with a commit marker that a consumer never processes: one offset of slack.
            boolean idle = ends.entrySet().stream().allMatch(e -> e.getValue() - done.getOrDefault(e.getKey(), 0L) <= 1);
            if (idle) {
                return;
            }
            pause(deadline, applicationId + " did not drain its repartition topics " + internal);
        }
    }

    private static void pause(long deadline, String failure) throws Exception {
        if (System.nanoTime() > deadline) {
            throw new TimeoutException(failure);
        }
        Thread.sleep(20);
    }

    private Map<TopicPartition, Long> committed(String group, Set<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
                .partitionsToOffsetAndMetadata(group).get();
        Map<TopicPartition, Long> result = new HashMap<>();
        offsets.forEach((tp, o) -> {
            if (o != null && topics.contains(tp.topic())) {
                result.put(tp, o.offset());
            }
        });
        return result;
    }

    private Map<TopicPartition, Long> endOffsets(Set<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
                d.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    void deleteTopics(List<String> topics) throws Exception {
        admin.deleteTopics(topics).all().get();
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
