package dev.ghactivity.local;

import java.nio.file.Path;
import org.apache.kafka.common.utils.internals.Exit;

/**
 * The embedded broker ends the process itself on a fatal fault ({@code ProcessTerminatingFaultHandler}, e.g. its
 * log directory cannot be written: a full disk, a file-size limit), by {@link Exit#halt}: no exception reaches the
 * command line, which would print nothing. This installs exit and halt procedures that first print the one line
 * (what the broker last logged as ERROR, and what to do), then end the process as Kafka asked.
 */
final class KafkaHaltLine {
    /** Two broker threads can fail on the same fault at once (both ask to halt): the line is printed once, whole. */
    private static boolean printed;

    private KafkaHaltLine() {
    }

    static void install(String command, Path dataDir) {
        Exit.setHaltProcedure((code, message) -> {
            print(command, dataDir, code, message);
            Runtime.getRuntime().halt(code);
        });
        Exit.setExitProcedure((code, message) -> {
            print(command, dataDir, code, message);
            System.exit(code);
        });
    }

    private static synchronized void print(String command, Path dataDir, int code, String message) {
        if (code == 0 || printed) {
            return;
        }
        printed = true;
        String what = message != null ? message : LastKafkaError.last();
        System.err.println(command + ": the embedded Kafka broker stopped on a fatal error" + (what == null ? "" : ": " + what)
                + "; if the file system of " + dataDir.toAbsolutePath() + " is full or read-only (or a file-size limit, "
                + "ulimit -f, is in force), free space or choose another --data-dir, and start again");
        System.err.flush();
    }
}
