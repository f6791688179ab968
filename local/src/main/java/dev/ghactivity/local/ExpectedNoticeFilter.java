package dev.ghactivity.local;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Drops the WARN lines the embedded broker and Kafka Streams print on every healthy start of the one-JVM stack,
 * which need no action; every other WARN of the same loggers still prints. Installed in {@code logback.xml}.
 * <ul>
 *   <li>{@code QuorumController}: "Performing controller activation" at every start of the single-node
 *       controller (on a new data directory with "The metadata log appears to be empty": KRaft formats itself).</li>
 *   <li>{@code DefaultAutoTopicCreationManager}: "Auto topic creation failed for __consumer_offsets with error
 *       'TOPIC_ALREADY_EXISTS'": the first clients that look up a group coordinator each ask the broker to create
 *       the offsets topic while the first request's creation is still propagating; the topic exists.</li>
 *   <li>{@code NetworkClient}: "The metadata response ... reported a recoverable issue ...
 *       {X-repartition=UNKNOWN_TOPIC_OR_PARTITION}" when every topic named is a Streams repartition or
 *       changelog topic: the Streams consumer subscribes before its group leader has created them.</li>
 *   <li>{@code NetworkClient}: "Connection to node N (/127.0.0.1:P) could not be established" and "Bootstrap broker
 *       127.0.0.1:P ... disconnected" while the embedded broker on P starts: its listener opens last, after the replay
 *       of its metadata log, and its own clients try it before (many after a kill -9; see
 *       {@code EmbeddedKafkaBroker.listenerStarting}). Once it is up, such a WARN prints again.</li>
 *   <li>{@code NetworkClient}: "Attempting to close NetworkClient that has already been closed" while the
 *       embedded broker shuts down (its controller channel is closed twice; nothing is lost).</li>
 *   <li>{@code Sender}: "Got error produce response ... retrying ... CONCURRENT_TRANSACTIONS": a transaction begun
 *       right after the previous commit waits for the coordinator to finish that commit; the client retries.</li>
 *   <li>{@code ReplicaManager}: the ERROR "Error processing append operation on partition P" with an
 *       {@code OutOfOrderSequenceException} ("... Expected sequence 0 for transactions v2 idempotent producer with no
 *       existing state", or "... 117 (incoming seq. number), 38 (current end sequence number)"), and {@code Sender}'s WARN
 *       "Got error produce response ... retrying ... OUT_OF_ORDER_SEQUENCE_NUMBER": with transactions V2 (KIP-890) a
 *       transaction's first batch to a partition is verified before it is appended, and a producer with several requests
 *       in flight can have later batches of that partition arrive before it (or before one retried after
 *       CONCURRENT_TRANSACTIONS); the broker refuses them with this retriable error (KAFKA-18202, apache/kafka#19902) and
 *       the client sends them again, in order: nothing is lost or doubled. The broker cannot tell this from a real gap and
 *       logs every refusal at ERROR; the producer can: it retries only a batch with an earlier one of its partition still
 *       unresolved, else the transaction fails and the producer logs that ERROR itself. Seen at every backfill of a big
 *       repository (20,000 commits) on a fresh data dir.</li>
 *   <li>{@code StreamsConfig}: "Processing exception handler is not enabled for the GlobalThread": the
 *       streams-app enables it ({@code StreamsAppConfig}), but Streams' partition assignor builds a second
 *       config from the consumer's settings alone, which cannot carry it.</li>
 *   <li>{@code ConsumerCoordinator}: "LeaveGroup request ... failed with error: This is not the correct coordinator"
 *       when a sink's consumer leaves its group at a clean stop while the coordinator is moving: the member goes at
 *       its session timeout, or the next start removes it ({@code LeftoverGroupMembers}); nothing is lost.</li>
 *   <li>{@code ClientTelemetryReporter}: "Cannot make telemetry request as telemetry is in state: TERMINATED": a
 *       client closing (a clean stop) while a telemetry push of KIP-714 was due; nothing is lost.</li>
 * </ul>
 * And the notices of Kafka Streams' own recovery after an unclean stop ({@code kill -9}, a crash) of the exactly-once
 * streams-app, which need no action: Streams wipes the stores it cannot trust and rebuilds them from their changelog
 * topics by itself (KIP-447's EOS state handling; the counts stay exact, {@code CrashLoopIT}). One INFO line per
 * store says it; the rest, which repeat it, are dropped:
 * <ul>
 *   <li>{@code ProcessorStateManager}: "State store X did not find checkpoint offsets while stores are not empty ...
 *       wipe out the local state of task T before re-bootstrapping": logged again at INFO.</li>
 *   <li>{@code StateDirectory}: "Failed to register startup state stores for task T: Tasks [T] are corrupted and
 *       hence need to be re-initialized".</li>
 *   <li>{@code TaskManager}: the ERROR "Get exceptions for the following tasks" when every exception listed is a
 *       {@code TaskCorruptedException}, and the WARN "Encounter corrupted task T, will group it with other corrupted
 *       tasks" with that exception, and {@code StreamThread}'s WARN "Detected the states of tasks [...] are corrupted.
 *       Will close the task as dirty and re-create and bootstrap from scratch". Any other exception of a task stays.</li>
 * </ul>
 * And the broker's own notices while it restarts on the log of a killed run:
 * <ul>
 *   <li>{@code CoordinatorRuntime}: the ERROR "Failed to load metadata from __consumer_offsets-N (or
 *       __transaction_state-N) with epoch E due to Stopped loading records ... because the partition is not online or is
 *       no longer the leader" with a {@code NotLeaderOrFollowerException}: the restarted node re-registers, the
 *       partition's leader epoch moves on, and the coordinator loads it again at the new epoch.</li>
 *   <li>{@code ControllerApis}: the ERROR "Unexpected error handling request ... CONTROLLER_REGISTRATION" caused by
 *       {@code NotControllerException}: the node registers with the quorum while it is still becoming its active
 *       controller; the registration is retried and succeeds.</li>
 * </ul>
 */
public final class ExpectedNoticeFilter extends TurboFilter {
    /** Where the recovery notices are said again at INFO: a logger of ours, at INFO by default. */
    private static final org.slf4j.Logger RECOVERY = org.slf4j.LoggerFactory.getLogger("dev.ghactivity.local.StreamsRecovery");
    private static final Pattern TASK_EXCEPTION = Pattern.compile("(?:\\{|, )(\\d+_\\d+)=([A-Za-z0-9_.$]+)");
    private static final Pattern LOOPBACK_PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d{1,5})\\b");
    private static final Pattern TOPIC_ERROR = Pattern.compile("([A-Za-z0-9._-]+)=([A-Z_]+)");

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if ((level != Level.WARN && level != Level.ERROR) || format == null) {
            return FilterReply.NEUTRAL;
        }
        String name = logger.getName();
        if (name.startsWith("org.apache.kafka.streams.processor.internals.")) {
            // Streams logs through Kafka's LogContext: the message arrives formatted, its exception as t.
            return uncleanStopRecovery(name, level, message(format, params), t);
        }
        if (name.endsWith(".CoordinatorRuntime") || name.endsWith(".ControllerApis")) {
            return brokerRestart(name, level, message(format, params), thrown(params, t));
        }
        if (name.endsWith(".ConsumerCoordinator") || name.endsWith(".AbstractCoordinator")) {
            String message = message(format, params); // clients log through LogContext: it may arrive formatted
            return message.contains("LeaveGroup request with") && message.contains("This is not the correct coordinator")
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals("kafka.server.ReplicaManager")) {
            return level == Level.ERROR && format.contains("Error processing append operation on partition")
                    && t instanceof OutOfOrderSequenceException
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (level != Level.WARN || t != null) {
            return FilterReply.NEUTRAL;
        }
        if (name.endsWith(".QuorumController")) {
            return format.contains("Performing controller activation") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.endsWith(".DefaultAutoTopicCreationManager")) {
            String message = message(format, params);
            return message.contains("__consumer_offsets") && message.contains("TOPIC_ALREADY_EXISTS")
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals("org.apache.kafka.clients.NetworkClient")) {
            if (format.contains("reported a recoverable issue")) {
                return onlyStreamsInternalTopicsUnknown(message(format, params)) ? FilterReply.DENY : FilterReply.NEUTRAL;
            }
            if (format.contains("could not be established") || format.contains("disconnected")) {
                return refusedByStartingBroker(message(format, params)) ? FilterReply.DENY : FilterReply.NEUTRAL;
            }
            return format.contains("Attempting to close NetworkClient that has already been closed") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals("org.apache.kafka.clients.producer.internals.Sender") && format.contains("retrying")) {
            String message = message(format, params);
            return message.contains("CONCURRENT_TRANSACTIONS") || message.contains("OUT_OF_ORDER_SEQUENCE_NUMBER")
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.endsWith(".ClientTelemetryReporter")) {
            return format.contains("Cannot make telemetry request as telemetry is in state")
                    && message(format, params).endsWith("TERMINATED") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals("org.apache.kafka.streams.StreamsConfig")) {
            return format.contains("not enabled for the GlobalThread") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        return FilterReply.NEUTRAL;
    }

    private static FilterReply uncleanStopRecovery(String name, Level level, String message, Throwable t) {
        if (name.endsWith(".ProcessorStateManager") && level == Level.WARN && t == null
                && message.contains("did not find checkpoint offsets while stores are not empty")) {
            RECOVERY.info("after an unclean stop, as expected: {}", message);
            return FilterReply.DENY;
        }
        if (name.endsWith(".StateDirectory") && level == Level.WARN && message.contains("Failed to register startup state stores")) {
            return message.endsWith("are corrupted and hence need to be re-initialized") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.endsWith(".TaskManager")) {
            if (level == Level.ERROR && t == null && message.contains("Get exceptions for the following tasks: {")) {
                return onlyCorruptedTasks(message) ? FilterReply.DENY : FilterReply.NEUTRAL;
            }
            if (level == Level.WARN && message.contains("Encounter corrupted task") && t instanceof TaskCorruptedException) {
                return FilterReply.DENY;
            }
        }
        if (name.endsWith(".StreamThread") && level == Level.WARN && message.contains("are corrupted. Will close the task as dirty")
                && t instanceof TaskCorruptedException) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    private static FilterReply brokerRestart(String name, Level level, String message, Throwable t) {
        if (level != Level.ERROR) {
            return FilterReply.NEUTRAL;
        }
        if (name.endsWith(".CoordinatorRuntime") && message.contains("Failed to load metadata from ")
                && message.contains("because the partition is not online or is no longer the leader")
                && causedBy(t, NotLeaderOrFollowerException.class)) {
            return FilterReply.DENY;
        }
        if (name.endsWith(".ControllerApis") && message.contains("Unexpected error handling request")
                && message.contains("apiKey=CONTROLLER_REGISTRATION") && causedBy(t, NotControllerException.class)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    /** The event's exception: t, or (SLF4J's rule) a throwable as the last argument. */
    private static Throwable thrown(Object[] params, Throwable t) {
        if (t != null) {
            return t;
        }
        return params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last ? last : null;
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** {@code ...: {0_1=org...TaskCorruptedException: ..., 1_0=...}}: true when every task's exception is that one. */
    static boolean onlyCorruptedTasks(String message) {
        Matcher m = TASK_EXCEPTION.matcher(message.substring(message.indexOf('{')));
        boolean any = false;
        while (m.find()) {
            if (!m.group(2).equals(TaskCorruptedException.class.getName())) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /**
     * "Connection to node N (/127.0.0.1:P) could not be established" or "Bootstrap broker 127.0.0.1:P (...) disconnected"
     * while the embedded broker on P starts: its listener opens last ({@link EmbeddedKafkaBroker#listenerStarting}).
     */
    static boolean refusedByStartingBroker(String message) {
        Matcher m = LOOPBACK_PORT.matcher(message);
        return m.find() && EmbeddedKafkaBroker.listenerStarting(Integer.parseInt(m.group(1)));
    }

    static boolean onlyStreamsInternalTopicsUnknown(String message) {
        int open = message.lastIndexOf('{');
        if (open < 0) {
            return false;
        }
        Matcher m = TOPIC_ERROR.matcher(message.substring(open));
        boolean any = false;
        while (m.find()) {
            boolean internal = m.group(1).endsWith("-repartition") || m.group(1).endsWith("-changelog");
            if (!internal || !m.group(2).equals("UNKNOWN_TOPIC_OR_PARTITION")) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private static String message(String format, Object[] params) {
        return params == null || params.length == 0 ? format : MessageFormatter.arrayFormat(format, params).getMessage();
    }
}
