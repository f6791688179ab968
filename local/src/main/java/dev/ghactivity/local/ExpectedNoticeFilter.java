package dev.ghactivity.local;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 *   <li>{@code NetworkClient}: "Attempting to close NetworkClient that has already been closed" while the
 *       embedded broker shuts down (its controller channel is closed twice; nothing is lost).</li>
 *   <li>{@code Sender}: "Got error produce response ... retrying ... CONCURRENT_TRANSACTIONS": a transaction begun
 *       right after the previous commit waits for the coordinator to finish that commit; the client retries.</li>
 *   <li>{@code StreamsConfig}: "Processing exception handler is not enabled for the GlobalThread": the
 *       streams-app enables it ({@code StreamsAppConfig}), but Streams' partition assignor builds a second
 *       config from the consumer's settings alone, which cannot carry it.</li>
 *   <li>{@code ClientTelemetryReporter}: "Cannot make telemetry request as telemetry is in state: TERMINATED": a
 *       client closing (a clean stop) while a telemetry push of KIP-714 was due; nothing is lost.</li>
 * </ul>
 */
public final class ExpectedNoticeFilter extends TurboFilter {
    private static final Pattern TOPIC_ERROR = Pattern.compile("([A-Za-z0-9._-]+)=([A-Z_]+)");

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level != Level.WARN || format == null || t != null) {
            return FilterReply.NEUTRAL;
        }
        String name = logger.getName();
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
            return format.contains("Attempting to close NetworkClient that has already been closed") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (name.equals("org.apache.kafka.clients.producer.internals.Sender") && format.contains("retrying")) {
            return message(format, params).contains("CONCURRENT_TRANSACTIONS") ? FilterReply.DENY : FilterReply.NEUTRAL;
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
