package dev.ghactivity.schemas;

/**
 * Exit codes of every ghactivity command line (the local stack, the producer, the streams-app), so scripts
 * can tell a mistake in the command from a run that could not read everything.
 */
public final class CliExitCodes {
    /** Everything was done (with {@code --once}: every repository ingested and written). */
    public static final int OK = 0;
    /** Fatal: nothing more could be done (bad credentials, infrastructure down, timed out). */
    public static final int FATAL = 1;
    /** Some repositories failed (not found, unavailable for legal reasons); the others were written. */
    public static final int PARTIAL = 2;
    /** The command line is wrong (unknown option, bad value, invalid repository name): {@code EX_USAGE} of sysexits.h. */
    public static final int USAGE = 64;

    private CliExitCodes() {
    }
}
