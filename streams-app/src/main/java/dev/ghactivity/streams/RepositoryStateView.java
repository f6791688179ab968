package dev.ghactivity.streams;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.RepositoryState;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the producers stand with each tracked repository: the compacted topic {@value Topics#REPOSITORY_STATE} read
 * from its beginning into memory and followed (tombstones remove), for the query API. Each instance reads the whole
 * topic (one small record per repository), with a plain consumer outside the topology: no state store, no
 * changelog, no change to the counting topology, and no consumer group (partitions assigned, nothing committed).
 * {@link #ready()} once it has read up to the end offsets the topic had when it started: before that, a repository
 * missing here may just not have been read yet.
 */
final class RepositoryStateView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryStateView.class);

    private final NavigableMap<String, RepositoryState> states = new ConcurrentSkipListMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean ready;
    private volatile String notReady = "it is reading topic " + Topics.REPOSITORY_STATE + " from its beginning";
    private volatile boolean closed;

    private RepositoryStateView(Map<String, Object> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a missing topic is reported, never made uncompacted
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "repository-state-view");
        this.thread.setDaemon(true);
    }

    /** Starts reading; {@code clientConfig}: bootstrap servers and the security settings of the streams-app's clients. */
    static RepositoryStateView start(Map<String, Object> clientConfig) {
        RepositoryStateView view = new RepositoryStateView(clientConfig);
        view.thread.start();
        return view;
    }

    /** True once everything the topic held at start has been read (or the topic does not exist). */
    boolean ready() {
        return ready;
    }

    /** Why it is not {@link #ready()}: still reading, or reading failed. */
    String notReadyReason() {
        return notReady;
    }

    /** The repository's latest state, or null when no producer tracks it. */
    RepositoryState get(String repo) {
        return states.get(repo);
    }

    /** Every tracked repository's state, sorted by name (a copy). */
    Map<String, RepositoryState> all() {
        return new java.util.TreeMap<>(states);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(Topics.REPOSITORY_STATE, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            if (partitions.isEmpty()) {
                LOG.warn("topic {} does not exist: the query API knows no repository states (GET /repos lists counted repositories "
                        + "only, a tracked repository not counted yet answers 404); create the topics first (docker/create-topics.sh)",
                        Topics.REPOSITORY_STATE);
                ready = true;
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r);
                }
                if (!ready && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    ready = true;
                    LOG.debug("read {} repository states from {}", states.size(), Topics.REPOSITORY_STATE);
                }
            }
        } catch (WakeupException e) {
            // closed
        } catch (KafkaException e) {
            if (!closed) {
                LOG.error("stopped reading {}: {}; GET /repos and GET /repos/{{owner}}/{{name}}/months of tracked repositories not "
                        + "counted yet answer 503 until the streams-app is restarted", Topics.REPOSITORY_STATE, e.toString());
                notReady = "reading topic " + Topics.REPOSITORY_STATE + " failed (" + e + "); restart the streams-app";
                ready = false;
            }
        } finally {
            consumer.close(Duration.ZERO);
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            states.remove(r.key());
            return;
        }
        try {
            states.put(r.key(), AvroSerdes.repositoryState().decode(r.value()));
        } catch (SerializationException e) {
            LOG.warn("ignoring an unreadable repository state {} at {}-{}@{}: {}", r.key(), r.topic(), r.partition(), r.offset(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
