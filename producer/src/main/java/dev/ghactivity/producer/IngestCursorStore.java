package dev.ghactivity.producer;

import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's cursors, read back from the compacted {@code github.ingest-state} topic on start (only
 * committed transactions count) and kept current as transactions commit.
 */
final class IngestCursorStore {
    private static final Logger LOG = LoggerFactory.getLogger(IngestCursorStore.class);
    private final Map<String, IngestCursor> cursors = new ConcurrentHashMap<>();

    /** Reads every cursor; {@code kafkaProperties} (security and the like) apply to its consumer as to the producer's. */
    static IngestCursorStore load(String bootstrapServers, Map<String, ?> kafkaProperties) {
        IngestCursorStore store = new IngestCursorStore();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.putAll(kafkaProperties);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(Topics.INGEST_STATE, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            if (partitions.isEmpty()) {
                LOG.warn("topic {} does not exist: starting without cursors, so every listing backfills; create the topics "
                        + "first (Topics.definitions) so the cursors live on a compacted topic", Topics.INGEST_STATE);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.INGEST_STATE + " to its end within 60 s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        store.cursors.remove(r.key());
                        continue;
                    }
                    try {
                        store.cursors.put(r.key(), AvroSerdes.ingestCursor().decode(r.value()));
                    } catch (SerializationException e) {
                        LOG.warn("ignoring unreadable cursor {} at {}-{}@{}: {}", r.key(), r.topic(), r.partition(), r.offset(), e.getMessage());
                    }
                }
            }
        }
        LOG.info("read {} ingest cursors from {}", store.cursors.size(), Topics.INGEST_STATE);
        return store;
    }

    /** No cursors yet: every listing backfills (tests without a broker). */
    static IngestCursorStore empty() {
        return new IngestCursorStore();
    }

    IngestCursor get(String key) {
        return cursors.get(key);
    }

    /** Every cursor (a snapshot view, for matching a repository's names by its id). */
    java.util.Collection<IngestCursor> all() {
        return cursors.values();
    }

    void put(String key, IngestCursor cursor) {
        cursors.put(key, cursor);
    }
}
