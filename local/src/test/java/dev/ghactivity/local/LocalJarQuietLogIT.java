package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A successful run logs nothing that needs no action: the runnable jar, started as a user starts it, backfills
 * the recorded fixtures with {@code --once}, then runs continuously on the same data until Ctrl-C; neither run
 * prints a WARN or ERROR line (of ours or of the embedded broker, Streams, Connect, S3 server), nor an
 * unformatted placeholder, and the unchanged poll logs one INFO line per repository.
 */
class LocalJarQuietLogIT {
    private static final String TIDBIT_REPO = TwoRepositoryFixture.TIDBIT_REPO;
    private static final String EXAMPLE_REPO = TwoRepositoryFixture.EXAMPLE_REPO;
    private static final String TOKEN = "ghp_quietLogTest0123456789abcdefghijklmn";

    /**
     * Not under the OS temp directory: there Kafka Streams rightly warns that the OS may clear its state
     * (users keep ./data); the build directory stands in for it.
     */
    private final Path dir = Path.of("target", "quiet-log-" + System.nanoTime()).toAbsolutePath();

    @AfterEach
    void deleteDataDir() throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aCleanOnceRunThenAnUnchangedPollAndCtrlCLogNoWarningAndOneLinePerRepository() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            TwoRepositoryFixture.serveOn(github);
            String[] args = {"--repo", TIDBIT_REPO, "--repo", EXAMPLE_REPO, "--github-api-url", github.apiUrl(),
                    "--data-dir", dir.resolve("data").toString(), "--once", "--http-port", "0"};

            String first = runClean(args);
            assertThat(first).contains("LocalStackCli - done: ");

            // Then running continuously on the same data: its first poll finds nothing new (one line per
            // repository), and Ctrl-C (SIGTERM) stops the stack in order, without a WARN or an ERROR.
            String[] continuous = {"--repo", TIDBIT_REPO, "--repo", EXAMPLE_REPO, "--github-api-url", github.apiUrl(),
                    "--data-dir", dir.resolve("data").toString(), "--poll-interval", "1h", "--http-port", "0"};
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of("GITHUB_TOKEN", TOKEN), continuous)) {
                Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200))
                        .until(() -> run.stdout().contains(EXAMPLE_REPO + " ingested (") || !run.isAlive());
                Thread.sleep(3_000); // the sinks at work, as when a user presses Ctrl-C
                run.terminate();
                run.awaitExit(Duration.ofMinutes(2));
                String out = run.stdout();
                assertThat(out).contains("pipeline stopped");
                assertThat(noise(out + run.stderr())).as("lines of a poll and a clean stop that need no action").isEmpty();
                List<String> pollLines = lines(out).stream()
                        .filter(l -> l.contains(" INFO ") && (l.contains(TIDBIT_REPO) || l.contains(EXAMPLE_REPO)))
                        .filter(l -> !l.contains("polling ["))
                        .toList();
                assertThat(pollLines).as("one INFO line per repository for an unchanged poll:\n" + out).hasSize(2);
                assertThat(pollLines).anySatisfy(l -> assertThat(l).contains(TIDBIT_REPO + " ingested (0 commits, 0 issues"))
                        .anySatisfy(l -> assertThat(l).contains(EXAMPLE_REPO + " ingested (0 commits, 0 issues"));
            }
        }
    }

    /** Runs the jar, expects exit 0 and no WARN, ERROR or {@code {{}} line; returns stdout. */
    private String runClean(String... args) throws Exception {
        // With a token: running without one is worth its warning (60 requests an hour).
        try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of("GITHUB_TOKEN", TOKEN), args)) {
            int code = run.awaitExit(Duration.ofMinutes(5));
            String out = run.stdout();
            assertThat(code).as(LocalStackProcess.tail(out) + run.stderr()).isEqualTo(LocalStackCli.EXIT_OK);
            assertThat(noise(out + run.stderr())).as("lines of a successful run that need no action").isEmpty();
            assertThat(out).doesNotContain(TOKEN);
            return out;
        }
    }

    private static List<String> noise(String output) {
        return lines(output).stream()
                .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("{{") || l.contains("{}"))
                .toList();
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.split("\\R"));
    }
}
