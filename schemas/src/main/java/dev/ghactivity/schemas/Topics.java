package dev.ghactivity.schemas;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Names of the topics the pipeline reads and writes; one place so every module agrees. */
public final class Topics {
    /** Commits, key {@code owner/name@sha}, value {@link CommitEvent}, compacted. */
    public static final String COMMITS = "github.commits";
    /** Latest issue/PR state, key {@code owner/name#number}, value {@link IssueEvent}, compacted. */
    public static final String ISSUES = "github.issues";
    /** Producer cursors, key {@code owner/name:commits|issues}, value {@link IngestCursor}, compacted. */
    public static final String INGEST_STATE = "github.ingest-state";
    /** Monthly counts, key {@code owner/name|YYYY-MM}, value {@link MonthlyActivity}, compacted. */
    public static final String MONTHLY_ACTIVITY = "github.monthly-activity";
    /**
     * Where the producer stands with each tracked repository ({@code discovered}, {@code backfilling} with percent and
     * ETA, {@code up to date}, {@code failing}), key {@code owner/name}, value {@link RepositoryState}, compacted; a
     * tombstone once a repository is no longer tracked. Written by the producer, read whole by the query API.
     */
    public static final String REPOSITORY_STATE = "github.repository-state";
    /** Records of {@link #MONTHLY_ACTIVITY} a sink could not write, as received, with Connect's error headers. */
    public static final String MONTHLY_ACTIVITY_DLQ = "github.monthly-activity.dlq";
    /**
     * Input records the streams-app could not deserialize, as read (key and value bytes), with Kafka Streams'
     * {@code __streams.errors.topic/partition/offset/exception/message/stacktrace} headers (KIP-1034).
     */
    public static final String STREAMS_DLQ = "github.streams.dlq";

    /**
     * The pipeline's topics, all compacted: every key is an identity whose latest value is the truth.
     * Streams' own internal topics are created by Streams.
     */
    public static List<NewTopic> definitions(int partitions, short replicationFactor) {
        Map<String, String> compacted = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000");
        return List.of(
                new NewTopic(COMMITS, partitions, replicationFactor).configs(compacted),
                new NewTopic(ISSUES, partitions, replicationFactor).configs(compacted),
                new NewTopic(INGEST_STATE, partitions, replicationFactor).configs(compacted),
                new NewTopic(MONTHLY_ACTIVITY, partitions, replicationFactor).configs(compacted),
                new NewTopic(REPOSITORY_STATE, partitions, replicationFactor).configs(compacted));
    }

    /**
     * How long a dead-letter topic keeps a record: 30 days, time to see the alert, fix the cause and replay.
     * ({@code docker/create-topics.sh} takes the same default, {@code DLQ_RETENTION_MS}.)
     */
    public static final long DEAD_LETTER_RETENTION_MS = 30L * 24 * 60 * 60 * 1000;

    /** The sinks' dead-letter topic (time-retained, not compacted: every bad record is kept, not the last per key). */
    public static NewTopic deadLetterDefinition(short replicationFactor) {
        return new NewTopic(MONTHLY_ACTIVITY_DLQ, 1, replicationFactor).configs(deadLetterConfigs());
    }

    private static Map<String, String> deadLetterConfigs() {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(DEAD_LETTER_RETENTION_MS));
    }

    /** The streams-app's dead-letter topic (time-retained like the sinks' one: every skipped record is kept). */
    public static NewTopic streamsDeadLetterDefinition(short replicationFactor) {
        return new NewTopic(STREAMS_DLQ, 1, replicationFactor).configs(deadLetterConfigs());
    }

    private Topics() {
    }
}
