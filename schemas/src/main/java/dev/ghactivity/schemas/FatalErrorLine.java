package dev.ghactivity.schemas;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * How every ghactivity command line ends on a fatal error: one line on stderr, {@code <command>: <what happened>},
 * and exit code {@link CliExitCodes#FATAL}; the stack trace goes to the log at DEBUG only
 * ({@code GHACTIVITY_LOG_LEVEL=DEBUG}), never beside the line on the console. Installed as picocli's execution
 * exception handler, it also catches what a command's {@code call()} did not (picocli would print the trace).
 */
public final class FatalErrorLine implements CommandLine.IExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FatalErrorLine.class);

    private final String command;

    /** @param command the prefix of the line, e.g. {@code ghactivity-producer} */
    public FatalErrorLine(String command) {
        this.command = command;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return print(command, e);
    }

    /** Prints {@code command: message} to stderr, logs the trace at DEBUG and returns {@link CliExitCodes#FATAL}. */
    public static int print(String command, Throwable e) {
        LOG.debug("{}: fatal error", command, e);
        System.err.println(command + ": " + describe(e));
        return CliExitCodes.FATAL;
    }

    /**
     * The messages along the cause chain on one line, {@code outer: inner}, skipping one that repeats the last
     * (wrappers often carry their cause's text); the type's name when none has a message.
     */
    public static String describe(Throwable e) {
        StringBuilder line = new StringBuilder();
        String last = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            String message = t.getMessage() == null ? null : t.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
            if (message == null || message.isEmpty() || (last != null && last.contains(message))) {
                continue;
            }
            line.append(line.length() == 0 ? "" : ": ").append(message);
            last = message;
        }
        return line.length() == 0 ? e.getClass().getSimpleName() : line.toString();
    }
}
