package dev.ghactivity.local;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import java.util.List;
import java.util.Set;

/**
 * The exception of a log line on the console: at the default level only its types and messages, on the same
 * line ({@code  [IOException: File too large]}); the whole stack trace when the option (the level of
 * {@code GHACTIVITY_LOG_LEVEL}) is DEBUG or TRACE. A user reads what happened without a page of frames beside the
 * one line on stderr; a developer asks for the frames. Used as {@code %exOneLine{LEVEL}} in {@code logback.xml}.
 */
public final class OneLineThrowableConverter extends ThrowableHandlingConverter {
    private static final Set<String> FULL = Set.of("DEBUG", "TRACE", "ALL");

    private ThrowableProxyConverter full;

    @Override
    public void start() {
        List<String> options = getOptionList();
        if (options != null && !options.isEmpty() && FULL.contains(options.get(0).strip().toUpperCase(java.util.Locale.ROOT))) {
            full = new ThrowableProxyConverter();
            full.setContext(getContext());
            full.start();
        }
        super.start();
    }

    @Override
    public String convert(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown == null) {
            return "";
        }
        if (full != null) {
            return System.lineSeparator() + full.convert(event).stripTrailing();
        }
        StringBuilder line = new StringBuilder(" [");
        for (IThrowableProxy t = thrown; t != null; t = t.getCause()) {
            if (t != thrown) {
                line.append("; caused by ");
            }
            String type = t.getClassName();
            line.append(type.substring(type.lastIndexOf('.') + 1));
            if (t.getMessage() != null) {
                line.append(": ").append(t.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
            }
        }
        return line.append(']').toString();
    }
}
