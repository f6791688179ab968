package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.FakeGitHubApp;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client as a GitHub App against the fake's app endpoints: which token goes where, and when it is renewed. */
class GitHubAppClientTest {
    private static KeyPair keys;
    private FakeGitHub github;
    private FakeGitHubApp app;

    @BeforeAll
    static void keys() {
        keys = GitHubAppKeys.generate();
    }

    @BeforeEach
    void start() {
        github = FakeGitHub.start();
        app = github.githubApp(1234, (RSAPublicKey) keys.getPublic()).installation(7, "alpha").installation(8, "beta");
        github.serveSyntheticActivity("alpha/one", 10, 0, 1);
        github.serveSyntheticActivity("beta/two", 10, 0, 2);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    private GitHubClient client(long appId) {
        return new GitHubClient(ProducerAppConfig.builder()
                .bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl())
                .githubApp(GitHubApp.of(appId, (RSAPrivateKey) keys.getPrivate(), OptionalLong.empty()))
                .repositories(List.of(RepositoryName.parse("alpha/one")))
                .clock(github.clock())
                .retries(2, Duration.ofMillis(1), Duration.ofMillis(2))
                .sleeper(d -> { })
                .build());
    }

    @Test
    void eachOwnerIsReadWithItsInstallationsTokenFoundOnceAndARevokedTokenIsReplacedAfterOne401() throws Exception {
        try (GitHubClient client = client(1234)) {
            HttpUrl alpha = client.listingUrl("alpha/one", "commits", "per_page", "100");
            HttpUrl beta = client.listingUrl("beta/two", "commits", "per_page", "100");
            assertThat(client.get(alpha, null, "alpha/one").status()).isEqualTo(200);
            assertThat(client.get(beta, null, "beta/two").status()).isEqualTo(200);
            assertThat(client.get(alpha, null, "alpha/one").status()).isEqualTo(200);
            assertThat(github.unauthorizedAnswers()).isZero();
            assertThat(app.tokensIssued(7)).isEqualTo(1);
            assertThat(app.tokensIssued(8)).isEqualTo(1);
            String alphaToken = github.requests().get(2).getHeaders().get("Authorization");
            String betaToken = github.requests().get(5).getHeaders().get("Authorization");
            assertThat(github.requests()).extracting(r -> r.getMethod() + " " + r.getUrl().encodedPath() + " "
                    + (alphaToken.equals(r.getHeaders().get("Authorization")) ? "alpha" : betaToken.equals(r.getHeaders().get("Authorization")) ? "beta" : "jwt"))
                    .containsExactly(
                            "GET /repos/alpha/one/installation jwt",
                            "POST /app/installations/7/access_tokens jwt",
                            "GET /repos/alpha/one/commits alpha",
                            "GET /repos/beta/two/installation jwt",
                            "POST /app/installations/8/access_tokens jwt",
                            "GET /repos/beta/two/commits beta",
                            "GET /repos/alpha/one/commits alpha");

            app.revokeTokens();
            assertThat(client.get(alpha, null, "alpha/one").status()).isEqualTo(200);
            assertThat(github.unauthorizedAnswers()).as("the revoked token, once").isEqualTo(1);
            assertThat(app.tokensIssued(7)).isEqualTo(2);
        }
    }

    /**
     * An owner without the app is looked up once per {@link GitHubAppInstallations#MISSING_RECHECK}, not at every request of
     * its repositories, and logged in one line; once installed it is found at the next look-up.
     */
    @Test
    void anOwnerWithoutTheAppIsAskedAgainOnlyAfterTheRecheckIntervalAndLoggedOnce() throws Exception {
        github.serveSyntheticActivity("gamma/three", 10, 0, 3);
        github.serveSyntheticActivity("gamma/four", 10, 0, 4);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(GitHubAppInstallations.class);
        logs.start();
        logger.addAppender(logs);
        try (GitHubClient client = client(1234)) {
            for (String repo : List.of("gamma/three", "gamma/four", "gamma/three", "gamma/four")) {
                HttpUrl url = client.listingUrl(repo, "commits", "per_page", "100");
                assertThatThrownBy(() -> client.get(url, null, repo)).isInstanceOf(GitHubAppInstallations.NotInstalledException.class)
                        .hasMessage(repo + ": GitHub App 1234 is not installed on gamma: install it on that account (the app's settings "
                                + "page, Install App), or leave gamma's repositories out");
            }
            assertThat(github.requests()).extracting(r -> r.getMethod() + " " + r.getUrl().encodedPath()).containsExactly(
                    "GET /repos/gamma/three/installation", "GET /orgs/gamma/installation", "GET /users/gamma/installation");
            assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
                    "ERROR GitHub App 1234 is not installed on gamma: install it on that account (the app's settings page, Install App), "
                            + "or leave gamma's repositories out (asked again every 10 min; its repositories are not read until then)");

            app.installation(9, "gamma");
            github.advanceClock(GitHubAppInstallations.MISSING_RECHECK.minusSeconds(30));
            HttpUrl three = client.listingUrl("gamma/three", "commits", "per_page", "100");
            assertThatThrownBy(() -> client.get(three, null, "gamma/three")).isInstanceOf(GitHubAppInstallations.NotInstalledException.class);
            assertThat(github.requests()).hasSize(3);
            github.advanceClock(Duration.ofMinutes(1));
            assertThat(client.get(three, null, "gamma/three").status()).isEqualTo(200);
            assertThat(app.tokensIssued(9)).isEqualTo(1);
            assertThat(logs.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR).hasSize(1);
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void aTokenIsRenewedWhenLessThanFiveMinutesOfItAreLeftNeverSentExpired() throws Exception {
        github.advanceClockPerRequest(Duration.ofMinutes(4));
        try (GitHubClient client = client(1234)) {
            HttpUrl alpha = client.listingUrl("alpha/one", "commits", "per_page", "100");
            for (int i = 0; i < 40; i++) {
                assertThat(client.get(alpha, null, "alpha/one").status()).isEqualTo(200);
            }
            // 4 minutes a request, tokens of an hour renewed with 5 minutes left: a new one every 14 requests or so.
            assertThat(app.tokensIssued(7)).isBetween(3, 4);
            assertThat(app.expiredTokenRequests()).isZero();
            assertThat(github.unauthorizedAnswers()).isZero();
        }
    }

    @Test
    void eachInstallationSpendsItsOwnBudgetAndNoneIsUsedPastIt() throws Exception {
        app.installationBudget(7, 3);
        List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (GitHubClient client = new GitHubClient(ProducerAppConfig.builder()
                .bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl())
                .githubApp(GitHubApp.of(1234, (RSAPrivateKey) keys.getPrivate(), OptionalLong.empty()))
                .repositories(List.of(RepositoryName.parse("alpha/one")))
                .clock(github.clock())
                .sleeper(d -> {
                    waits.add(d);
                    throw new InterruptedException("the test stops at the first wait");
                })
                .build())) {
            HttpUrl alpha = client.listingUrl("alpha/one", "commits", "per_page", "100");
            HttpUrl beta = client.listingUrl("beta/two", "commits", "per_page", "100");
            for (int i = 0; i < 3; i++) {
                assertThat(client.get(alpha, null, "alpha/one").status()).isEqualTo(200);
            }
            // Installation 7 has none left; installation 8 has its own budget, so beta goes on at once.
            assertThat(client.get(beta, null, "beta/two").status()).isEqualTo(200);
            assertThat(waits).isEmpty();
            assertThatThrownBy(() -> client.get(alpha, null, "alpha/one")).isInstanceOf(InterruptedException.class);
            assertThat(waits).singleElement().satisfies(d -> assertThat(d).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61)));
            assertThat(app.requestsPastBudget(7)).isZero();
        }
    }

    @Test
    void anotherAppsIdIsRefusedInOneLine() throws Exception {
        try (GitHubClient client = client(999)) {
            HttpUrl alpha = client.listingUrl("alpha/one", "commits", "per_page", "100");
            assertThatThrownBy(() -> client.get(alpha, null, "alpha/one")).isInstanceOf(GitHubAuthenticationException.class)
                    .hasMessage("GitHub App 999 was refused (A JSON web token could not be decoded (IncorrectClaimException)): "
                            + "check --github-app-id and that the key belongs to that app");
            assertThat(app.refusedJwts()).isEqualTo(1);
        }
    }
}
