package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitHubClientTest {
    private static final String TOKEN = "ghp_TESTTOKEN0123456789abcdefghijklmnopq";
    private FakeGitHub github;
    private RecordingSleeper sleeper;
    private GitHubClient client;

    @BeforeEach
    void start() {
        github = FakeGitHub.start();
        sleeper = new RecordingSleeper();
        client = new GitHubClient(ProducerAppConfig.builder()
                .bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl())
                .token(GitHubToken.of(TOKEN))
                .repositories(List.of(RepositoryName.parse("a/b")))
                .retries(4, Duration.ofSeconds(1), Duration.ofSeconds(8))
                .sleeper(sleeper)
                .build());
    }

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    private HttpUrl first(String repo, String endpoint) {
        return client.listingUrl(repo, endpoint, "per_page", "100");
    }

    @Test
    void aComparisonUrlTakesOnlyCommitShas() {
        assertThat(client.compareUrl("octo/repo", "0123456789abcdef", "fedcba9876543210", 100).toString())
                .isEqualTo(github.apiUrl() + "/repos/octo/repo/compare/0123456789abcdef...fedcba9876543210?per_page=100");
        assertThatThrownBy(() -> client.compareUrl("octo/repo", "main", "fedcba9876543210", 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.compareUrl("octo/repo", "0123456789abcdef", "../../x", 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void followsTheRecordedLinkHeadersExactlyAsGivenThroughAllFivePages() throws Exception {
        github.serveRecordedIssues("org/recorded");
        List<IssueEvent> issues = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        HttpUrl url = first("org/recorded", "issues");
        while (url != null) {
            GitHubPage page = client.get(url, null, "org/recorded");
            issues.addAll(GitHubItemParser.issues("org/recorded", page.body(), Instant.EPOCH).events());
            url = page.next();
            if (url != null) {
                paths.add(url.encodedPath() + "?" + url.encodedQuery());
            }
        }
        assertThat(paths).containsExactly("/repositories/515435940/issues?per_page=3&page=2", "/repositories/515435940/issues?per_page=3&page=3",
                "/repositories/515435940/issues?per_page=3&page=4", "/repositories/515435940/issues?per_page=3&page=5");
        Map<String, Long> byMonth = new TreeMap<>();
        issues.stream().filter(i -> !i.getIsPullRequest())
                .forEach(i -> byMonth.merge(YearMonth.from(i.getCreatedAt().atOffset(ZoneOffset.UTC)).toString(), 1L, Long::sum));
        assertThat(byMonth).isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.PAGINATED_ISSUES, "issues_excluding_prs_by_created_month_utc"));
        assertThat(issues).hasSize(13).noneMatch(IssueEvent::getIsPullRequest);
    }

    @Test
    void aRedirectOnTheApiOriginIsFollowedWithTheTokenAndOneToAnotherHostIsNot() throws Exception {
        github.serveCommits("acme/new-name", GitHubFixtures.EXAMPLE_COMMITS + ".json").renamed("acme/old-name", "acme/new-name", 505);
        GitHubPage page = client.get(first("acme/old-name", "commits"), null, "acme/old-name");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.redirectedTo().encodedPath() + "?" + page.redirectedTo().encodedQuery()).isEqualTo("/repositories/505/commits?per_page=100");
        assertThat(github.requests()).hasSize(2).allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN));
        assertThat(client.requestsSent()).isEqualTo(2);

        try (FakeGitHub elsewhere = FakeGitHub.start()) {
            github.failWhen(url -> url.encodedPath().equals("/repos/a/b/issues/7"), 301); // a body without Location first
            assertThatThrownBy(() -> client.get(client.issueUrl("a/b", 7), null, "a/b"))
                    .isInstanceOfSatisfying(RepositoryUnavailableException.class, e -> assertThat(e.outcome()).isEqualTo(IngestReport.Outcome.MOVED))
                    .hasMessageContaining("without a usable Location");
            github.issueGoneTo("a/b", 7, elsewhere.apiUrl() + "/repositories/1/issues/7");
            assertThatThrownBy(() -> client.get(client.issueUrl("a/b", 7), null, "a/b"))
                    .isInstanceOfSatisfying(RepositoryUnavailableException.class, e -> assertThat(e.status()).isEqualTo(301))
                    .hasMessageContaining("another host (").hasMessageContaining("not followed");
            assertThat(elsewhere.requests()).as("the token never leaves the API origin").isEmpty();
        }
    }

    @Test
    void aLinkUrlOfAnotherOriginIsReadAsItsPathAndQueryOnTheApiBaseKeepingAnEnterprisePrefix() throws Exception {
        github.serveSyntheticActivity("a/b", 5, 0, 3);
        github.linkOrigin("http://ghe.internal:8080");
        GitHubPage page = client.get(client.listingUrl("a/b", "commits", "per_page", "2"), null, "a/b");
        assertThat(page.next().toString()).isEqualTo(github.apiUrl() + "/repos/a/b/commits?per_page=2&page=2");

        ProducerAppConfig enterprise = ProducerAppConfig.builder().bootstrapServers("unused:9092")
                .githubApiUrl("https://ghe.example.com/api/v3").token(GitHubToken.none())
                .repositories(List.of(RepositoryName.parse("a/b"))).build();
        try (GitHubClient behindProxy = new GitHubClient(enterprise)) {
            assertThat(behindProxy.onApiBase(okhttp3.HttpUrl.get("http://10.0.0.7/api/v3/repositories/9/issues?page=2")).toString())
                    .isEqualTo("https://ghe.example.com/api/v3/repositories/9/issues?page=2");
            assertThat(behindProxy.onApiBase(okhttp3.HttpUrl.get("http://10.0.0.7/repositories/9/issues?page=2")).toString())
                    .isEqualTo("https://ghe.example.com/api/v3/repositories/9/issues?page=2");
        }
    }

    @Test
    void gitHubsErrorMessageIsReadFromItsJsonBody() {
        github.emptyRepository("a/empty");
        assertThatThrownBy(() -> client.get(first("a/empty", "commits"), null, "a/empty"))
                .isInstanceOfSatisfying(RepositoryUnavailableException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessage("a/empty: GitHub answered 409 (Git Repository is empty.) for /repos/a/empty/commits?per_page=100");
    }

    @Test
    void sendsTheTokenAsBearerWithThePinnedApiVersion() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.EXAMPLE_COMMITS + ".json");
        client.get(first("a/b", "commits"), null, "a/b");
        RecordedRequest request = github.requests().get(0);
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/vnd.github+json");
    }

    @Test
    void aMatchingEtagAnswers304WithNothingToPublish() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        GitHubPage page = client.get(first("a/b", "commits"), null, "a/b");
        assertThat(page.etag()).isNotBlank();
        GitHubPage again = client.get(first("a/b", "commits"), page.etag(), "a/b");
        assertThat(again.notModified()).isTrue();
        assertThat(again.body()).isEmpty();
        assertThat(github.requests().get(1).getHeaders().get("If-None-Match")).isEqualTo(page.etag());
    }

    @Test
    void atZeroRemainingItSleepsUntilTheResetBeforeTheNextRequest() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.exhaustRateLimitNext(Duration.ofSeconds(120));
        client.get(first("a/b", "commits"), null, "a/b");
        assertThat(sleeper.sleeps).isEmpty();
        client.get(first("a/b", "commits"), null, "a/b");
        assertThat(sleeper.sleeps).hasSize(1);
        assertThat(sleeper.sleeps.get(0)).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(122));
    }

    @Test
    void aPrimaryLimit403WaitsForTheResetThenSucceeds() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.rateLimitNext(Duration.ofSeconds(30));
        GitHubPage page = client.get(first("a/b", "commits"), null, "a/b");
        assertThat(page.status()).isEqualTo(200);
        assertThat(sleeper.sleeps).hasSize(1);
        assertThat(sleeper.sleeps.get(0)).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(32));
    }

    @Test
    void aSecondaryLimitWaitsRetryAfterWhenGivenElseSixtySecondsThenLonger() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.secondaryLimitNext(7);
        client.get(first("a/b", "commits"), null, "a/b");
        assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(7));

        sleeper.sleeps.clear();
        github.secondaryLimitNext(null).secondaryLimitNext(null);
        client.get(first("a/b", "commits"), null, "a/b");
        assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(120));
    }

    /** Issue 17: with several repositories fetched at once, a secondary limit met by one request pauses the others too. */
    @Test
    void aSecondaryLimitPausesTheRequestsOfEveryOtherThreadUntilItsRetryAfter() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.serveCommits("c/d", GitHubFixtures.TIDBIT_COMMITS + ".json");
        List<String> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<GitHubClient> shared = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Integer> otherStatus = new java.util.concurrent.atomic.AtomicReference<>();
        // While the first thread waits out its Retry-After, another thread asks for another repository's page.
        Sleeper sleeper = d -> {
            waits.add(Thread.currentThread().getName() + " " + d.toMillis());
            if (Thread.currentThread().getName().equals("first")) {
                Thread other = new Thread(() -> {
                    try {
                        otherStatus.set(shared.get().get(first("c/d", "commits"), null, "c/d").status());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "other");
                other.start();
                other.join();
            }
        };
        try (GitHubClient concurrent = new GitHubClient(ProducerAppConfig.builder().bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl()).token(GitHubToken.of(TOKEN)).repositories(List.of(RepositoryName.parse("a/b")))
                .sleeper(sleeper).build())) {
            shared.set(concurrent);
            github.secondaryLimitNext(7);
            java.util.concurrent.atomic.AtomicReference<Integer> firstStatus = new java.util.concurrent.atomic.AtomicReference<>();
            Thread firstThread = new Thread(() -> {
                try {
                    firstStatus.set(concurrent.get(first("a/b", "commits"), null, "a/b").status());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "first");
            firstThread.start();
            firstThread.join();
            assertThat(firstStatus.get()).isEqualTo(200);
            assertThat(otherStatus.get()).isEqualTo(200);
        }
        assertThat(waits).hasSize(2);
        assertThat(waits.get(0)).isEqualTo("first 7000");
        assertThat(waits.get(1)).startsWith("other ");
        assertThat(Long.parseLong(waits.get(1).substring("other ".length()))).as("the rest of the first one's Retry-After").isBetween(5000L, 7000L);
    }

    @Test
    void a502AndAConnectionResetAreRetriedWithBoundedBackoff() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.failNext(1, 502).resetConnectionNext(1);
        GitHubPage page = client.get(first("a/b", "commits"), null, "a/b");
        assertThat(GitHubItemParser.commits("a/b", page.body(), Instant.EPOCH).events()).hasSize(30);
        assertThat(sleeper.sleeps).hasSize(2).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(500), Duration.ofSeconds(2)));

        github.failNext(4, 503);
        assertThatThrownBy(() -> client.get(first("a/b", "commits"), null, "a/b"))
                .isInstanceOf(GitHubApiException.class).hasMessageContaining("503").hasMessageContaining("4 times");
        assertThat(sleeper.sleeps).hasSize(5).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(8)));
    }

    @Test
    void aResponseSlowerThanTheReadTimeoutIsRetried() throws Exception {
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.delayNext(1, Duration.ofSeconds(2));
        try (GitHubClient impatient = new GitHubClient(ProducerAppConfig.builder()
                .bootstrapServers("unused:9092").githubApiUrl(github.apiUrl())
                .repositories(List.of(RepositoryName.parse("a/b")))
                .timeouts(Duration.ofSeconds(1), Duration.ofMillis(300))
                .retries(3, Duration.ofMillis(10), Duration.ofMillis(20))
                .sleeper(sleeper).build())) {
            GitHubPage page = impatient.get(first("a/b", "commits"), null, "a/b");
            assertThat(GitHubItemParser.commits("a/b", page.body(), Instant.EPOCH).events()).hasSize(30);
        }
        assertThat(sleeper.sleeps).hasSize(1);
        assertThat(github.requests()).hasSize(2);
    }

    @Test
    void a401IsFatalNamesTheVariableAndNeverTheToken() {
        github.unauthorized(true);
        assertThatThrownBy(() -> client.get(first("a/b", "commits"), null, "a/b"))
                .isInstanceOf(GitHubAuthenticationException.class)
                .hasMessageContaining("GITHUB_TOKEN")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void a404Or451MarksTheRepositoryUnavailable() {
        github.notFound("gone/away");
        assertThatThrownBy(() -> client.get(first("gone/away", "commits"), null, "gone/away"))
                .isInstanceOf(RepositoryUnavailableException.class).hasMessageContaining("404").hasMessageContaining("gone/away");
        github.failNext(1, 451);
        assertThatThrownBy(() -> client.get(first("a/b", "commits"), null, "a/b"))
                .isInstanceOf(RepositoryUnavailableException.class).hasMessageContaining("legal");
    }

    @Test
    void theTokenIsNeverSentToAnotherHost() {
        assertThat(GitHubClient.sameOrigin(HttpUrl.get("https://evil.example/repos/a/b/issues"), HttpUrl.get("https://api.github.com")))
                .isFalse();
        assertThat(GitHubToken.of(TOKEN).toString()).doesNotContain(TOKEN);
        assertThat(GitHubToken.of(TOKEN).redact("x " + TOKEN + " y")).isEqualTo("x *** y");
    }
}
