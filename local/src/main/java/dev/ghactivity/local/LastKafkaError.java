package dev.ghactivity.local;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.ghactivity.schemas.FatalErrorLine;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Remembers the last ERROR a Kafka logger wrote (message and exception), so that when the embedded broker ends the
 * process on a fatal fault ({@link KafkaHaltLine}) the one line on stderr can say what it was. Decides nothing:
 * every event goes on to the other filters. Installed in {@code logback.xml}.
 */
public final class LastKafkaError extends TurboFilter {
    private static volatile String last;

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == Level.ERROR && format != null && (logger.getName().startsWith("org.apache.kafka") || logger.getName().startsWith("kafka"))) {
            Throwable thrown = t;
            if (thrown == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable tail) {
                thrown = tail; // SLF4J: a throwable as the last argument is the event's exception
            }
            String message = params == null ? format : MessageFormatter.arrayFormat(format, params).getMessage();
            last = thrown == null ? message : message + " (" + thrown.getClass().getSimpleName() + ": " + FatalErrorLine.describe(thrown) + ")";
        }
        return FilterReply.NEUTRAL;
    }

    /** The last ERROR of a Kafka logger, or null if none was written. */
    static String last() {
        return last;
    }
}
