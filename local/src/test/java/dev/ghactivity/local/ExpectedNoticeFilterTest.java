package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

/** Only the known notices of a healthy start are dropped; the same loggers' other warnings still print. */
class ExpectedNoticeFilterTest {
    private final LoggerContext context = new LoggerContext();
    private final ExpectedNoticeFilter filter = new ExpectedNoticeFilter();

    private FilterReply decide(String logger, Level level, String format, Object... params) {
        Logger l = context.getLogger(logger);
        return filter.decide(null, l, level, format, params, null);
    }

    @Test
    void unknownStreamsInternalTopicsAreExpectedButAnUnknownPipelineTopicIsNot() {
        String format = "[Consumer clientId=c, groupId=g] The metadata response from the cluster reported a recoverable issue with correlation id {} : {}";
        String client = "org.apache.kafka.clients.NetworkClient";
        assertThat(decide(client, Level.WARN, format, 2, "{ghactivity-streams-a-repartition=UNKNOWN_TOPIC_OR_PARTITION, "
                + "ghactivity-streams-b-changelog=UNKNOWN_TOPIC_OR_PARTITION}")).isEqualTo(FilterReply.DENY);
        assertThat(decide(client, Level.WARN, format, 2, "{ghactivity-streams-a-repartition=UNKNOWN_TOPIC_OR_PARTITION, "
                + "github.commits=UNKNOWN_TOPIC_OR_PARTITION}")).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(client, Level.WARN, format, 2, "{ghactivity-streams-a-repartition=TOPIC_AUTHORIZATION_FAILED}"))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(client, Level.WARN, "[Consumer clientId=c] Connection to node {} could not be established.", 1))
                .isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void onlyTheOffsetsTopicAlreadyExistingIsExpected() {
        String logger = "kafka.server.DefaultAutoTopicCreationManager";
        assertThat(decide(logger, Level.WARN, "Auto topic creation failed for __consumer_offsets with error 'TOPIC_ALREADY_EXISTS': "
                + "Topic '__consumer_offsets' already exists.")).isEqualTo(FilterReply.DENY);
        assertThat(decide(logger, Level.WARN, "Auto topic creation failed for __consumer_offsets with error 'INVALID_REPLICATION_FACTOR'"))
                .isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void onlyATerminatedClientsTelemetryNoticeIsExpected() {
        String logger = "org.apache.kafka.common.telemetry.internals.ClientTelemetryReporter";
        assertThat(decide(logger, Level.WARN, "Cannot make telemetry request as telemetry is in state: {}", "TERMINATED"))
                .isEqualTo(FilterReply.DENY);
        assertThat(decide(logger, Level.WARN, "Cannot make telemetry request as telemetry is in state: {}", "PUSH_NEEDED"))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide(logger, Level.WARN, "Error occurred while sending telemetry")).isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void errorsAndOtherLevelsAreNeverDropped() {
        assertThat(decide("org.apache.kafka.controller.QuorumController", Level.ERROR, "Performing controller activation."))
                .isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("org.apache.kafka.controller.QuorumController", Level.WARN, "[QuorumController id=1] Performing controller activation."))
                .isEqualTo(FilterReply.DENY);
        assertThat(decide("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
                "Got error produce response with correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}",
                11, "github.ingest-state-0", 5, "NOT_ENOUGH_REPLICAS")).isEqualTo(FilterReply.NEUTRAL);
        assertThat(decide("org.apache.kafka.clients.producer.internals.Sender", Level.WARN,
                "Got error produce response with correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}",
                11, "github.ingest-state-0", 5, "CONCURRENT_TRANSACTIONS")).isEqualTo(FilterReply.DENY);
    }
}
