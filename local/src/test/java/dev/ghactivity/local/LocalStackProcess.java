package dev.ghactivity.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The runnable jar as a child process, the way a user starts it: so a test can kill it with SIGKILL
 * ({@link Process#destroyForcibly()}) at any moment and look at its exit code, stdout and stderr.
 */
final class LocalStackProcess implements AutoCloseable {
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private LocalStackProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("ghactivity.local.jar", "target/ghactivity-local.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("runnable jar " + jar + " is missing: run the tests with mvn verify (after package)");
        }
        return jar;
    }

    static LocalStackProcess start(Path logDir, Map<String, String> env, String... args) throws IOException {
        return start(logDir, env, null, args);
    }

    /** With a limit on the size of every file the process writes ({@code ulimit -f}, in KiB): a disk that fills up. */
    static LocalStackProcess startWithFileSizeLimit(Path logDir, long limitKiB, String... args) throws IOException {
        return start(logDir, Map.of(), limitKiB, args);
    }

    private static LocalStackProcess start(Path logDir, Map<String, String> env, Long fileSizeLimitKiB, String... args) throws IOException {
        Files.createDirectories(logDir);
        List<String> command = new ArrayList<>();
        if (fileSizeLimitKiB != null) {
            // The JVM ignores SIGXFSZ: a write past the limit fails with EFBIG ("File too large"), as on a full disk.
            command.addAll(List.of("bash", "-c", "ulimit -f " + fileSizeLimitKiB + " && exec \"$0\" \"$@\""));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        String run = "run-" + System.nanoTime();
        Path out = logDir.resolve(run + ".out");
        Path err = logDir.resolve(run + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove("GITHUB_TOKEN");
        builder.environment().putAll(env);
        return new LocalStackProcess(builder.start(), out, err);
    }

    /** Waits for the exit code; kills the process and fails if it does not exit in time. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("ghactivity-local did not exit within " + timeout + "; stdout tail:\n" + tail(stdout()));
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, what Ctrl-C or {@code docker stop} sends: the shutdown hook stops the stack cleanly. */
    void terminate() {
        process.destroy();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "<cannot read " + file + ": " + e + ">";
        }
    }

    static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
