package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.IngestReport.Outcome;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.FakeGitHubApp;
import dev.ghactivity.testkit.SyntheticActivity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The producer authenticated as a GitHub App, on a real KRaft broker, against a fake GitHub that checks every JWT
 * and installation token like GitHub: each owner's repositories read with the token of that owner's installation,
 * tokens renewed mid-backfill and never sent expired, a refused app and a missing installation said in one line.
 */
class GitHubAppBrokerIT {
    private static final long APP_ID = 1234;
    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    static KeyPair keys;
    static Path keyFile;
    private static int run;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
        keys = GitHubAppKeys.generate();
        keyFile = GitHubAppKeys.writePkcs1(keys, dir.resolve("app.pem"));
        broker.createTopics(Topics.definitions(2, (short) 1));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** The topics are shared: each test reads other repositories (keys and cursors are per repository) with its own transactional.id. */
    @BeforeEach
    void nextRun() {
        run++;
    }

    private ProducerAppConfig.Builder config(FakeGitHub github, OptionalLong installation, String... repos) {
        return ProducerAppConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .githubApiUrl(github.apiUrl())
                .githubApp(GitHubApp.fromFile(APP_ID, keyFile, installation))
                .repositories(Arrays.stream(repos).map(RepositoryName::parse).toList())
                .transactionalId("app-producer-" + run)
                .perPage(20)
                .clock(github.clock())
                .retries(3, Duration.ofMillis(1), Duration.ofMillis(5))
                .sleeper(d -> { });
    }

    @Test
    void twoOwnersAreReadWithTheirOwnInstallationsTokensRenewedMidBackfillAndNeverSentExpired() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            // An hour passes every 60 requests: each installation's token runs out several times during the backfill.
            github.advanceClockPerRequest(Duration.ofMinutes(1));
            FakeGitHubApp app = github.githubApp(APP_ID, (RSAPublicKey) keys.getPublic())
                    .installation(11, "alpha").installation(22, "beta");
            SyntheticActivity alpha = github.serveSyntheticActivity("alpha/one", 900, 300, 1);
            SyntheticActivity beta = github.serveSyntheticActivity("beta/two", 500, 200, 2);

            IngestReport report;
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, OptionalLong.empty(), "alpha/one", "beta/two").build())) {
                report = producer.pollOnce();
            }

            assertThat(report.allIngested()).as(report.failureSummary()).isTrue();
            assertExact(alpha, "alpha/one");
            assertExact(beta, "beta/two");
            assertThat(github.unauthorizedAnswers()).as("401 answers").isZero();
            assertThat(app.expiredTokenRequests()).isZero();
            assertThat(app.refusedJwts()).isZero();
            // About 60 requests for alpha and 35 for beta at a minute each: renewed before every hour ran out.
            assertThat(app.tokensIssued(11)).isGreaterThanOrEqualTo(2);
            assertThat(app.tokensIssued(22)).isGreaterThanOrEqualTo(2);
            // Each owner's data went with its own installation's token (the fake answers 404 to any other).
            assertThat(github.requests()).filteredOn(r -> r.getUrl().encodedPath().endsWith("/installation"))
                    .extracting(r -> r.getUrl().encodedPath())
                    .containsExactlyInAnyOrder("/repos/alpha/one/installation", "/repos/beta/two/installation");
        }
    }

    @Test
    void anEnterpriseServerIsReadBelowItsApiPathWithTheGivenInstallation() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.basePath("/api/v3");
            FakeGitHubApp app = github.githubApp(APP_ID, (RSAPublicKey) keys.getPublic()).installation(42, "corp");
            SyntheticActivity corp = github.serveSyntheticActivity("corp/internal", 130, 45, 3);
            assertThat(github.apiUrl()).endsWith("/api/v3");

            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, OptionalLong.of(42), "corp/internal").build())) {
                assertThat(producer.pollOnce().allIngested()).isTrue();
            }

            assertExact(corp, "corp/internal");
            assertThat(github.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.getUrl().encodedPath()).startsWith("/api/v3/"));
            assertThat(github.requests()).filteredOn(r -> r.getMethod().equals("POST")).extracting(r -> r.getUrl().encodedPath())
                    .containsExactly("/api/v3/app/installations/42/access_tokens");
            assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().endsWith("/installation"));
            assertThat(github.unauthorizedAnswers()).isZero();
            assertThat(app.tokensIssued(42)).isEqualTo(1);
        }
    }

    @Test
    void anOwnerWithoutTheAppInstalledFailsInOneLineExitTwoAndTheOtherOwnerIsExact() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.githubApp(APP_ID, (RSAPublicKey) keys.getPublic()).installation(33, "delta");
            SyntheticActivity delta = github.serveSyntheticActivity("delta/four", 120, 40, 4);
            github.serveSyntheticActivity("gamma/three", 50, 10, 5);

            StringWriter err = new StringWriter();
            int code = cli(err, "--repo", "delta/four", "--repo", "gamma/three", "--github-api-url", github.apiUrl(),
                    "--github-app-id", String.valueOf(APP_ID), "--github-app-private-key", keyFile.toString());

            assertThat(code).as(err.toString()).isEqualTo(2);
            assertThat(err.toString()).contains("GitHub App 1234 is not installed on gamma: install it on that account "
                    + "(the app's settings page, Install App), or leave gamma's repositories out");
            assertExact(delta, "delta/four");
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode).values()).noneMatch(c -> c.getRepo().equals("gamma/three"));
            assertThat(github.unauthorizedAnswers()).isZero();
            // The installation was asked for by the repository, then by the owner as an organization and as a user.
            assertThat(github.requests()).extracting(r -> r.getUrl().encodedPath()).contains(
                    "/repos/gamma/three/installation", "/orgs/gamma/installation", "/users/gamma/installation");
        }
    }

    @Test
    void anAppGitHubRefusesIsExitOneInOneLineThroughTheCli() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            // GitHub knows app 1234 with another key: the JWT's signature does not verify.
            github.githubApp(APP_ID, (RSAPublicKey) GitHubAppKeys.generate().getPublic()).installation(55, "epsilon");
            github.serveSyntheticActivity("epsilon/five", 30, 5, 6);

            StringWriter err = new StringWriter();
            int code = cli(err, "--repo", "epsilon/five", "--github-api-url", github.apiUrl(),
                    "--github-app-id", String.valueOf(APP_ID), "--github-app-private-key", keyFile.toString());

            assertThat(code).isEqualTo(1);
            assertThat(err.toString().strip()).isEqualTo("ghactivity-producer: GitHub App 1234 was refused (A JSON web token could not be decoded "
                    + "(SignatureVerificationException)): "
                    + "check --github-app-id and that the key belongs to that app");
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode).values()).noneMatch(c -> c.getRepo().equals("epsilon/five"));
        }
    }

    @Test
    void appOptionsAreCheckedBeforeAnythingStarts() throws Exception {
        StringWriter err = new StringWriter();
        Path tokens = java.nio.file.Files.writeString(dir.resolve("tokens"), "ghp_x\n");
        assertThat(cli(err, "--repo", "a/b", "--github-app-id", "1234", "--github-app-private-key", keyFile.toString(),
                "--github-token-file", tokens.toString())).isEqualTo(64);
        assertThat(err.toString().strip()).isEqualTo("ghactivity-producer: give either a GitHub App (--github-app-id) or tokens "
                + "(--github-token-file), not both");

        StringWriter missingKey = new StringWriter();
        Path missing = dir.resolve("nope.pem");
        assertThat(cli(missingKey, "--repo", "a/b", "--github-app-id", "1234", "--github-app-private-key", missing.toString())).isEqualTo(64);
        assertThat(missingKey.toString().strip()).isEqualTo("ghactivity-producer: the GitHub App private key file " + missing
                + " does not exist (--github-app-private-key)");

        StringWriter noKey = new StringWriter();
        assertThat(cli(noKey, "--repo", "a/b", "--github-app-id", "1234")).isEqualTo(64);
        assertThat(noKey.toString().strip()).isEqualTo("ghactivity-producer: a GitHub App needs both --github-app-id and --github-app-private-key");
    }

    /** The producer's CLI with --once on the test broker, picocli's and our own error output captured. */
    private static int cli(StringWriter err, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", broker.bootstrapServers(), "--once", "--transactional-id", "app-cli-" + run));
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(ours, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new ProducerCli()).setErr(new PrintWriter(err, true)).execute(all.toArray(String[]::new));
            err.write(ours.toString(java.nio.charset.StandardCharsets.UTF_8));
            return code;
        } finally {
            System.setErr(original);
        }
    }

    /** The repository's records on the topics, counted per month, are exactly what its synthetic history holds. */
    private static void assertExact(SyntheticActivity activity, String repo) {
        Map<String, Long> commits = new TreeMap<>();
        Map<String, Long> issues = new TreeMap<>();
        Map<String, Long> pulls = new TreeMap<>();
        activity.expectedMonthlyCounts().forEach((month, c) -> {
            if (c[0] > 0) {
                commits.put(month, c[0]);
            }
            if (c[2] > 0) {
                issues.put(month, c[2]);
            }
            if (c[4] > 0) {
                pulls.put(month, c[4]);
            }
        });
        Map<String, CommitEvent> commitEvents = readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode);
        Map<String, IssueEvent> issueEvents = readAll(Topics.ISSUES, AvroSerdes.issueEvent()::decode);
        assertThat(byMonth(commitEvents.values().stream().filter(c -> c.getRepo().equals(repo)).map(c -> c.getAuthorDate()).toList()))
                .as(repo + " commits").isEqualTo(commits);
        assertThat(byMonth(issueEvents.values().stream().filter(i -> i.getRepo().equals(repo) && !i.getIsPullRequest())
                .map(i -> i.getCreatedAt()).toList())).as(repo + " issues").isEqualTo(issues);
        assertThat(byMonth(issueEvents.values().stream().filter(i -> i.getRepo().equals(repo) && i.getIsPullRequest())
                .map(i -> i.getCreatedAt()).toList())).as(repo + " pull requests").isEqualTo(pulls);
    }

    private static Map<String, Long> byMonth(List<java.time.Instant> times) {
        Map<String, Long> result = new TreeMap<>();
        times.forEach(t -> result.merge(YearMonth.from(t.atOffset(ZoneOffset.UTC)).toString(), 1L, Long::sum));
        return result;
    }

    /** Latest committed value per key of a topic. */
    private static <T> Map<String, T> readAll(String topic, Function<byte[], T> decode) {
        Map<String, T> result = new TreeMap<>();
        broker.latestCommitted(topic).forEach((key, value) -> result.put(key, decode.apply(value)));
        return result;
    }
}
