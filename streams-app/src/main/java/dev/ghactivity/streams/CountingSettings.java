package dev.ghactivity.streams;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings that decide which month an event counts in ({@code --zone}, {@code --commit-date-field}), stored
 * once per {@code application.id} in the compacted topic {@code <application.id>-settings} (key
 * {@value #KEY}, value {@code zone=UTC,commit-date-field=AUTHOR,topology=2}) and checked at every start, with the
 * version of the topology whose state was built with them ({@link MonthlyActivityTopology#VERSION}; absent = 1, the
 * releases before it was recorded).
 *
 * <p>Why: the re-keying mappers are re-run on old values when they are updated or deleted, so the subtraction of
 * an old value lands in the month the new settings give it, not the one it was added to; mixed settings corrupt
 * every count. A topic (not a file in the state dir) protects every instance of a deployment, including one
 * starting with an empty state dir, and the local stack alike. Its name has the application id as prefix, so
 * the ACLs Kafka Streams needs for its internal topics cover it, and a new {@code --application-id} starts
 * with no stored settings.
 */
final class CountingSettings {
    static final String KEY = "settings";
    private static final String TOPOLOGY = "topology";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> values;

    CountingSettings(StreamsAppConfig config) {
        values = new LinkedHashMap<>();
        values.put("zone", config.zone().getId());
        values.put("commit-date-field", config.commitDateField().name());
    }

    static String topic(String applicationId) {
        return applicationId + "-settings";
    }

    /** The settings that decide months, as the messages name them: {@code zone=UTC,commit-date-field=AUTHOR}. */
    String encoded() {
        return encode(values);
    }

    private static String encode(Map<String, String> settings) {
        return settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** What is stored: the settings and the topology version. */
    private String stored() {
        return encoded() + "," + TOPOLOGY + "=" + MonthlyActivityTopology.VERSION;
    }

    /**
     * Stores these settings if none are stored for the application id, else compares them with the stored ones.
     *
     * @return the topology version of the stored counting state: {@link MonthlyActivityTopology#VERSION} when it is
     *         this release's (or nothing was stored: then this release's settings are stored now); lower when an
     *         older release built it: the caller must rebuild the state, then {@link #store} these settings
     * @throws CountingSettingsRefusedException if they differ (or another instance stored different ones concurrently), or
     *         a newer release built the state
     * @throws IllegalStateException if the topic cannot be created or read
     */
    int verifyOrStore(Properties streamsProperties) {
        StreamsConfig streamsConfig = new StreamsConfig(streamsProperties);
        String applicationId = streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        String topic = topic(applicationId);
        // Admin configs = connection and security settings of every client; enough for a plain producer/consumer.
        Map<String, Object> client = new HashMap<>(streamsConfig.getAdminConfigs(applicationId + "-settings"));
        try {
            createIfAbsent(client, topic, streamsConfig.getInt(StreamsConfig.REPLICATION_FACTOR_CONFIG));
            Optional<String> stored = readLatest(client, topic);
            if (stored.isEmpty()) {
                write(client, topic);
                stored = readLatest(client, topic); // another instance may have stored others concurrently
            }
            Map<String, String> found = decode(stored.orElseThrow(
                    () -> new IllegalStateException("settings written to " + topic + " but not read back")));
            int version = Integer.parseInt(found.getOrDefault(TOPOLOGY, "1"));
            found.remove(TOPOLOGY);
            if (!found.equals(values) || version > MonthlyActivityTopology.VERSION) {
                throw new CountingSettingsRefusedException(applicationId, topic, encode(found), encoded(), version);
            }
            return version;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot check the counting settings in topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the counting settings", e);
        }
    }

    /** Records that the state of the application id is now built by this release, with these settings. */
    void store(Properties streamsProperties) {
        StreamsConfig streamsConfig = new StreamsConfig(streamsProperties);
        String applicationId = streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        try {
            write(new HashMap<>(streamsConfig.getAdminConfigs(applicationId + "-settings")), topic(applicationId));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot store the counting settings in topic " + topic(applicationId) + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing the counting settings", e);
        }
    }

    private static Map<String, String> decode(String stored) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String pair : stored.split(",")) {
            int eq = pair.indexOf('=');
            settings.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
        }
        return settings;
    }

    private static void createIfAbsent(Map<String, Object> client, String topic, int replicationFactor)
            throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(client)) {
            NewTopic definition = new NewTopic(topic, Optional.of(1),
                    replicationFactor < 1 ? Optional.empty() : Optional.of((short) replicationFactor))
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(definition)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static Optional<String> readLatest(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), READ_TIMEOUT).get(partition);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            String latest = null;
            while (consumer.position(partition, READ_TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read topic " + topic + " to its end within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (KEY.equals(r.key())) {
                        latest = r.value();
                    }
                }
            }
            return Optional.ofNullable(latest);
        }
    }

    private void write(Map<String, Object> client, String topic) throws ExecutionException, InterruptedException {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, KEY, stored())).get();
        }
    }
}
