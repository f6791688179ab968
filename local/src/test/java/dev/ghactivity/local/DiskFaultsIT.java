package dev.ghactivity.local;

import static dev.ghactivity.local.LocalStackStartFailuresIT.assertNoStackTrace;
import static dev.ghactivity.local.LocalStackStartFailuresIT.oneLine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.util.Environment;

/**
 * A disk that fills up, through the runnable jar: exit code 1 and one line on stderr naming the path and what to do,
 * no stack trace on stdout or stderr (the JVM's default for an uncaught exception, and Kafka Streams' threads, printed
 * whole ones).
 */
class DiskFaultsIT {
    private static final String REPO = "disk/full";
    private static final Path LOGS = Path.of("target", "it-logs", "disk-faults");

    @TempDir
    Path dir;

    /**
     * RocksDB's native library (~15 MB) is the biggest file a start writes, and it goes into the data dir (not
     * java.io.tmpdir, where every kill -9 left one): a file-size limit below it (above Kafka's 10 MB index files)
     * stops the start, naming the file, before the streams-app starts or GitHub is asked anything (before, each stream
     * thread printed a stack trace, the thread replaced three times).
     */
    @Test
    void rocksDbsNativeLibraryThatDoesNotFitIsOneLineNamingTheFileInTheDataDir() throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            try (LocalStackProcess run = LocalStackProcess.startWithFileSizeLimit(LOGS, 12_000, "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once")) {
                assertThat(run.awaitExit(Duration.ofMinutes(2))).isEqualTo(1);
                Path library = data.toAbsolutePath().resolve("native").resolve(Environment.getJniLibraryFileName("rocksdb"));
                assertThat(oneLine(run)).isEqualTo("ghactivity: cannot write data dir " + data.toAbsolutePath() + " (" + library
                        + ": File too large): free space on its file system, make it writable, or choose another --data-dir");
                assertNoStackTrace(run);
            }
            assertThat(data.resolve("streams")).as("the streams-app did not start").doesNotExist();
            assertThat(github.requests()).as("nothing polled").isEmpty();
        }
    }

    /**
     * The file system of the data dir fills up while the stack ingests (a tmpfs of its own, filled by the test right
     * after "pipeline up"): whichever part writes first (the broker, as a rule) ends the run in one line naming the
     * data dir and saying to free space. Needs root to mount the tmpfs; skipped otherwise.
     */
    @Test
    void aDiskThatFillsUpDuringARunIsOneLineNamingTheDataDir() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        mountTmpfs(disk, "128m");
        try {
            Path data = disk.resolve("data");
            try (FakeGitHub github = FakeGitHub.start()) {
                github.serveSyntheticActivity(REPO, 3000, 600, 7);
                try (LocalStackProcess run = LocalStackProcess.start(LOGS, Map.of(), "--repo", REPO, "--github-api-url",
                        github.apiUrl(), "--data-dir", data.toString(), "--once", "--once-timeout", "5m")) {
                    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                            .until(() -> run.stdout().contains("pipeline up") || !run.isAlive());
                    fill(disk.resolve("filler"));
                    assertThat(run.awaitExit(Duration.ofMinutes(4))).as(LocalStackProcess.tail(run.stdout())).isEqualTo(1);
                    assertThat(oneLine(run)).startsWith("ghactivity: ").contains(data.toAbsolutePath().toString())
                            .contains("free space");
                    assertNoStackTrace(run);
                }
            }
        } finally {
            run("umount", "-l", disk.toString());
        }
    }

    private static void mountTmpfs(Path at, String size) throws IOException, InterruptedException {
        if (run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString()) != 0) {
            Assumptions.abort("cannot mount a tmpfs at " + at + " (not root?): no disk of its own to fill");
        }
    }

    /** Writes zeros until the file system is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full).hasMessageContaining("No space left on device");
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
