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

    /** As seen at a backfill of 20,000 commits on a fresh data dir (Kafka 4.4, transactions V2): the producer judges them. */
    @Test
    void theBrokersSequenceRefusalsAndTheProducersRetriesOfThemAreExpected() {
        Logger broker = context.getLogger("kafka.server.ReplicaManager");
        String format = "[ReplicaManager broker=1] Error processing append operation on partition xGV3PvRxTfOm7Mg2KJ596g:github.commits-0";
        assertThat(filter.decide(null, broker, Level.ERROR, format, null, new org.apache.kafka.common.errors.OutOfOrderSequenceException(
                "Invalid sequence number for producer 2 at offset 3592 in partition github.commits-0: 233 (incoming seq. number). "
                        + "Expected sequence 0 for transactions v2 idempotent producer with no existing state."))).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, broker, Level.ERROR, format, null, new org.apache.kafka.common.errors.OutOfOrderSequenceException(
                "Out of order sequence number for producer 2 at offset 3592 in partition github.commits-0: 235 (incoming seq. "
                        + "number), 233 (current end sequence number)"))).as("a batch ahead of one being retried").isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, broker, Level.ERROR, format, null, new IllegalStateException("boom"))).isEqualTo(FilterReply.NEUTRAL);

        String sender = "org.apache.kafka.clients.producer.internals.Sender";
        String retrying = "[Producer clientId=ghactivity-producer, transactionalId=ghactivity-producer] Got error produce response with "
                + "correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}";
        assertThat(decide(sender, Level.WARN, retrying, 170, "github.commits-0", 2147483646, "OUT_OF_ORDER_SEQUENCE_NUMBER"))
                .isEqualTo(FilterReply.DENY);
        assertThat(decide(sender, Level.WARN, retrying, 170, "github.commits-0", 2147483646, "NOT_ENOUGH_REPLICAS"))
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
    void onlyALeaveGroupRefusedByAMovingCoordinatorIsExpected() {
        String logger = "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator";
        assertThat(decide(logger, Level.ERROR, "LeaveGroup request with {} failed with error: {}", "Generation{generationId=3}",
                "This is not the correct coordinator.")).isEqualTo(FilterReply.DENY);
        assertThat(decide(logger, Level.ERROR, "LeaveGroup request with {} failed with error: {}", "Generation{generationId=3}",
                "The coordinator is not available.")).isEqualTo(FilterReply.NEUTRAL);
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

    /** Streams' recovery after a kill -9: dropped (one INFO per store says it); any other task failure stays an ERROR. */
    @Test
    void onlyStreamsRecoveryFromAnUncleanStopIsExpected() {
        Logger taskManager = context.getLogger("org.apache.kafka.streams.processor.internals.TaskManager");
        String corrupted = "stream-thread [t-1] Get exceptions for the following tasks: {0_1=org.apache.kafka.streams.errors."
                + "TaskCorruptedException: Tasks [0_1] are corrupted and hence need to be re-initialized, 1_0=org.apache.kafka."
                + "streams.errors.TaskCorruptedException: Tasks [1_0] are corrupted and hence need to be re-initialized}";
        assertThat(filter.decide(null, taskManager, Level.ERROR, corrupted, null, null)).isEqualTo(FilterReply.DENY);
        String mixed = corrupted.replace("1_0=org.apache.kafka.streams.errors.TaskCorruptedException",
                "1_0=org.apache.kafka.streams.errors.ProcessorStateException");
        assertThat(filter.decide(null, taskManager, Level.ERROR, mixed, null, null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(filter.decide(null, taskManager, Level.WARN, "stream-thread [t-1] Encounter corrupted task 0_1, will group it with "
                + "other corrupted tasks and handle together", null,
                new org.apache.kafka.streams.errors.TaskCorruptedException(java.util.Set.of()))).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, taskManager, Level.WARN, "stream-thread [t-1] Encounter corrupted task 0_1, will group it with "
                + "other corrupted tasks and handle together", null, new IllegalStateException("x"))).isEqualTo(FilterReply.NEUTRAL);

        Logger stateManager = context.getLogger("org.apache.kafka.streams.processor.internals.ProcessorStateManager");
        assertThat(filter.decide(null, stateManager, Level.WARN, "stream-client [c] State store counts did not find checkpoint offsets "
                + "while stores are not empty, since under EOS it has the risk of getting uncommitted data in stores we have to treat "
                + "it as a task corruption error and wipe out the local state of task 0_1 before re-bootstrapping", null, null))
                .isEqualTo(FilterReply.DENY);
        Logger stateDirectory = context.getLogger("org.apache.kafka.streams.processor.internals.StateDirectory");
        assertThat(filter.decide(null, stateDirectory, Level.WARN, "Failed to register startup state stores for task 0_1: Tasks [0_1] "
                + "are corrupted and hence need to be re-initialized", null, null)).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, stateDirectory, Level.WARN, "Failed to register startup state stores for task 0_1: "
                + "java.io.IOException: No space left on device", null, null)).isEqualTo(FilterReply.NEUTRAL);
    }

    /** The broker restarting on a killed run's log: a reload at a new epoch and a retried registration; others stay ERROR. */
    @Test
    void onlyTheBrokersRestartNoticesAreExpected() {
        Logger runtime = context.getLogger("org.apache.kafka.coordinator.common.runtime.CoordinatorRuntime");
        String reload = "[GroupCoordinator id=1] Failed to load metadata from __consumer_offsets-2 with epoch 2 due to Stopped loading "
                + "records from __consumer_offsets-2 because the partition is not online or is no longer the leader..";
        assertThat(filter.decide(null, runtime, Level.ERROR, reload, null,
                new org.apache.kafka.common.errors.NotLeaderOrFollowerException("x"))).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, runtime, Level.ERROR, "[GroupCoordinator id=1] Failed to load metadata from __consumer_offsets-2 "
                + "with epoch 2 due to a corrupt record", null, new org.apache.kafka.common.errors.CorruptRecordException("x")))
                .isEqualTo(FilterReply.NEUTRAL);
        Logger controllerApis = context.getLogger("kafka.server.ControllerApis");
        String registration = "[ControllerApis nodeId=1] Unexpected error handling request RequestHeader(apiKey=CONTROLLER_REGISTRATION, "
                + "apiVersion=0) -- ControllerRegistrationRequestData(controllerId=1)";
        assertThat(filter.decide(null, controllerApis, Level.ERROR, registration, null, new java.util.concurrent.CompletionException(
                new org.apache.kafka.common.errors.NotControllerException("The active controller appears to be node 1."))))
                .isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null, controllerApis, Level.ERROR, registration, null, new IllegalStateException("x")))
                .isEqualTo(FilterReply.NEUTRAL);
    }
}
