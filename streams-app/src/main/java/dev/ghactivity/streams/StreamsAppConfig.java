package dev.ghactivity.streams;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/** Settings of the streams-app, with typed getters; {@link #toStreamsProperties()} gives the Kafka Streams config. */
public final class StreamsAppConfig {
    /** Which date of a commit decides its month. */
    public enum CommitDateField { AUTHOR, COMMITTER }

    private static final long IDLE_POLL_MS = 10;

    private final String bootstrapServers;
    private final String applicationId;
    private final Path stateDir;
    private final ZoneId zone;
    private final CommitDateField commitDateField;
    private final String httpHost;
    private final int httpPort;
    private final int numStandbyReplicas;
    private final long commitIntervalMs;
    private final int numStreamThreads;
    private final long cacheMaxBytes;
    private final String deadLetterTopic;
    private final int maxThreadReplacements;
    private final Duration threadReplacementWindow;
    private final Map<String, Object> extra;

    private StreamsAppConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.applicationId = Objects.requireNonNull(b.applicationId, "applicationId");
        this.stateDir = b.stateDir;
        this.zone = Objects.requireNonNull(b.zone, "zone");
        this.commitDateField = Objects.requireNonNull(b.commitDateField, "commitDateField");
        this.httpHost = b.httpHost;
        this.httpPort = b.httpPort;
        this.numStandbyReplicas = b.numStandbyReplicas;
        this.commitIntervalMs = b.commitIntervalMs;
        this.numStreamThreads = b.numStreamThreads;
        this.cacheMaxBytes = b.cacheMaxBytes;
        this.deadLetterTopic = Objects.requireNonNull(b.deadLetterTopic, "deadLetterTopic");
        this.maxThreadReplacements = b.maxThreadReplacements;
        this.threadReplacementWindow = Objects.requireNonNull(b.threadReplacementWindow, "threadReplacementWindow");
        this.extra = Map.copyOf(b.extra);
        if (maxThreadReplacements < 0 || threadReplacementWindow.isNegative()) {
            throw new IllegalArgumentException("thread replacements >= 0 within a window >= 0");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("http port must be 0-65535, got " + httpPort);
        }
        if (numStandbyReplicas < 0 || numStreamThreads < 1 || commitIntervalMs < 1 || cacheMaxBytes < 0) {
            throw new IllegalArgumentException("standby replicas >= 0, stream threads >= 1, commit interval >= 1 ms, cache >= 0 bytes");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Kafka Streams properties: exactly-once v2; undeserializable input records logged with topic, partition and
     * offset, counted ({@link SkippedRecords}) and written to the dead-letter topic (KIP-1034), then skipped.
     */
    public Properties toStreamsProperties() {
        Properties p = new Properties();
        if (bootstrapServers != null) {
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        if (stateDir != null) {
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        }
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, numStandbyReplicas);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        // An idle stream thread blocks in poll() for poll.ms and commits only after it returns: at the default 100 ms a
        // change waits up to a commit interval plus 100 ms per hop. 10 ms costs an idle loop, nothing while busy.
        p.put(StreamsConfig.POLL_MS_CONFIG, IDLE_POLL_MS);
        // Never wait for data of an empty input partition: commits and issues are independent changes that add up in
        // any order (no join needs them aligned by time). Waiting would only cost: a task whose issues partition is
        // empty builds log text for it before every record (PartitionGroup.readyToProcess, about 6% of a backfill).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheMaxBytes);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, SkippedRecords.CountingHandler.class);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
        // No global tables here; set only so Streams does not warn that the handler does not cover them.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
        // The topology has no global table; opting in now (the Kafka 5 default) spares a WARN at every start.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.putAll(extra);
        return p;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String applicationId() {
        return applicationId;
    }

    public Path stateDir() {
        return stateDir;
    }

    public ZoneId zone() {
        return zone;
    }

    public CommitDateField commitDateField() {
        return commitDateField;
    }

    public String httpHost() {
        return httpHost;
    }

    public int httpPort() {
        return httpPort;
    }

    public int numStandbyReplicas() {
        return numStandbyReplicas;
    }

    public long commitIntervalMs() {
        return commitIntervalMs;
    }

    /** Where skipped input records are kept (default {@link Topics#STREAMS_DLQ}). */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** How often a failed stream thread is replaced within {@link #threadReplacementWindow()} before the app stops. */
    public int maxThreadReplacements() {
        return maxThreadReplacements;
    }

    public Duration threadReplacementWindow() {
        return threadReplacementWindow;
    }

    public StreamsAppConfig withHttpPort(int port) {
        Builder b = toBuilder();
        b.httpPort = port;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.applicationId = applicationId;
        b.stateDir = stateDir;
        b.zone = zone;
        b.commitDateField = commitDateField;
        b.httpHost = httpHost;
        b.httpPort = httpPort;
        b.numStandbyReplicas = numStandbyReplicas;
        b.commitIntervalMs = commitIntervalMs;
        b.numStreamThreads = numStreamThreads;
        b.cacheMaxBytes = cacheMaxBytes;
        b.deadLetterTopic = deadLetterTopic;
        b.maxThreadReplacements = maxThreadReplacements;
        b.threadReplacementWindow = threadReplacementWindow;
        b.extra = new HashMap<>(extra);
        return b;
    }

    public static final class Builder {
        private String bootstrapServers;
        private String applicationId = "ghactivity-streams";
        private Path stateDir;
        private ZoneId zone = ZoneId.of("UTC");
        private CommitDateField commitDateField = CommitDateField.AUTHOR;
        private String httpHost = "127.0.0.1";
        private int httpPort = 0;
        private int numStandbyReplicas = 0;
        private long commitIntervalMs = 100;
        private int numStreamThreads = 1;
        private long cacheMaxBytes = 10L * 1024 * 1024;
        private String deadLetterTopic = Topics.STREAMS_DLQ;
        private int maxThreadReplacements = 3;
        private Duration threadReplacementWindow = Duration.ofMinutes(10);
        private Map<String, Object> extra = new HashMap<>();

        public Builder bootstrapServers(String v) {
            bootstrapServers = v;
            return this;
        }

        public Builder applicationId(String v) {
            applicationId = v;
            return this;
        }

        public Builder stateDir(Path v) {
            stateDir = v;
            return this;
        }

        public Builder zone(ZoneId v) {
            zone = v;
            return this;
        }

        public Builder commitDateField(CommitDateField v) {
            commitDateField = v;
            return this;
        }

        public Builder httpHost(String v) {
            httpHost = v;
            return this;
        }

        /** Port of the query API; 0 picks a free one. */
        public Builder httpPort(int v) {
            httpPort = v;
            return this;
        }

        public Builder numStandbyReplicas(int v) {
            numStandbyReplicas = v;
            return this;
        }

        public Builder commitIntervalMs(long v) {
            commitIntervalMs = v;
            return this;
        }

        public Builder numStreamThreads(int v) {
            numStreamThreads = v;
            return this;
        }

        public Builder cacheMaxBytes(long v) {
            cacheMaxBytes = v;
            return this;
        }

        public Builder deadLetterTopic(String v) {
            deadLetterTopic = v;
            return this;
        }

        /** A failed stream thread is replaced at most {@code max} times within {@code window}; then the app stops. */
        public Builder threadReplacements(int max, Duration window) {
            maxThreadReplacements = max;
            threadReplacementWindow = window;
            return this;
        }

        /** Any other Kafka Streams property (wins over the defaults). */
        public Builder property(String key, Object value) {
            extra.put(key, value);
            return this;
        }

        public StreamsAppConfig build() {
            return new StreamsAppConfig(this);
        }
    }
}
