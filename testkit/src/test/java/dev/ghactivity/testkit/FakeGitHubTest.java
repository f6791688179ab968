package dev.ghactivity.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeGitHubTest {
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
    private static final Pattern LAST = Pattern.compile("<([^>]+)>;\\s*rel=\"last\"");

    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private FakeGitHub github;

    @BeforeEach
    void start() {
        github = FakeGitHub.start();
    }

    @AfterEach
    void stop() {
        github.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private record Answer(int status, Map<String, String> headers, String body) {
        JsonNode json() throws IOException {
            return GitHubFixtures.JSON.readTree(body);
        }

        String next() {
            Matcher m = NEXT.matcher(headers.getOrDefault("link", ""));
            return m.find() ? m.group(1) : null;
        }
    }

    private Answer get(String url, String... headerNameValues) throws IOException {
        Request.Builder request = new Request.Builder().url(url.startsWith("http") ? url : github.apiUrl() + url);
        for (int i = 0; i + 1 < headerNameValues.length; i += 2) {
            request.header(headerNameValues[i], headerNameValues[i + 1]);
        }
        try (Response response = http.newCall(request.build()).execute()) {
            Map<String, String> headers = new HashMap<>();
            response.headers().forEach(h -> headers.put(h.getFirst().toLowerCase(java.util.Locale.ROOT), h.getSecond()));
            return new Answer(response.code(), headers, response.body().string());
        }
    }

    /** Every item of a listing, following Link rel="next" as given. */
    private List<JsonNode> all(String firstUrl) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        String url = firstUrl;
        while (url != null) {
            Answer a = get(url);
            assertThat(a.status()).as(url).isEqualTo(200);
            a.json().forEach(items::add);
            url = a.next();
        }
        return items;
    }

    @Test
    void theRecordedScenarioIsServedThroughFivePagesWithLinksRewrittenToTheFake() throws Exception {
        github.serveRecordedIssues("Org/Recorded");
        Answer first = get("/repos/org/recorded/issues?per_page=3");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.headers()).containsKeys("etag", "x-ratelimit-remaining", "x-ratelimit-reset");
        assertThat(first.next()).isEqualTo(github.apiUrl() + "/repositories/515435940/issues?per_page=3&page=2");

        List<String> numbers = new ArrayList<>();
        String url = github.apiUrl() + "/repos/org/recorded/issues?per_page=3";
        int pages = 0;
        while (url != null) {
            Answer a = get(url);
            a.json().forEach(i -> numbers.add(i.get("number").asText()));
            url = a.next();
            pages++;
        }
        assertThat(pages).isEqualTo(5);
        assertThat(numbers).hasSize(13).doesNotHaveDuplicates();
        assertThat(github.requests()).extracting(r -> r.getUrl().encodedPath())
                .containsSequence("/repositories/515435940/issues", "/repositories/515435940/issues");

        Answer again = get("/repos/org/recorded/issues?per_page=3", "If-None-Match", first.headers().get("etag"));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void theRecordingParsesIntoFiveGetsAndItsExpectedCounts() {
        List<GitHubFixtures.RecordedResponse> gets = GitHubFixtures.recordedGets(GitHubFixtures.PAGINATED_ISSUES);
        assertThat(gets).hasSize(5).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("etag")).isNotBlank();
        });
        assertThat(gets.get(1).path()).isEqualTo("/repositories/515435940/issues?per_page=3&page=2");
        assertThat(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"))
                .containsExactly(Map.entry("2018-04", 10L), Map.entry("2018-06", 20L));
        assertThat(GitHubFixtures.expectedCounts("o/r", GitHubFixtures.EXAMPLE_ISSUES, "pull_requests_by_created_month_utc"))
                .containsExactly(Map.entry("o/r|2011-04", 1L));
    }

    @Test
    void bodyFixturesAreServedAsOnePageAndUnconfiguredListingsAreEmpty() throws Exception {
        github.serveCommits("o/r", GitHubFixtures.TIDBIT_COMMITS + ".json");
        Answer commits = get("/repos/o/r/commits?per_page=100");
        assertThat(commits.json()).hasSize(30);
        assertThat(commits.next()).isNull();
        assertThat(get("/repos/o/r/issues?per_page=100").body()).isEqualTo("[]");
        assertThat(get("/repos/other/repo/commits").body()).isEqualTo("[]");
        github.notFound("gone/away");
        assertThat(get("/repos/gone/away/commits").status()).isEqualTo(404);
    }

    @Test
    void syntheticListingsPaginateByPerPageWithNextAndLastLinks() throws Exception {
        github.serveSyntheticActivity("o/s", 250, 40, 7);
        Answer first = get("/repos/o/s/commits?per_page=100");
        assertThat(first.json()).hasSize(100);
        assertThat(first.next()).isEqualTo(github.apiUrl() + "/repos/o/s/commits?per_page=100&page=2");
        Matcher last = LAST.matcher(first.headers().get("link"));
        assertThat(last.find()).isTrue();
        assertThat(last.group(1)).endsWith("page=3");
        Answer third = get(github.apiUrl() + "/repos/o/s/commits?per_page=100&page=3");
        assertThat(third.json()).hasSize(50);
        assertThat(third.headers()).doesNotContainKey("link");

        List<JsonNode> commits = all(github.apiUrl() + "/repos/o/s/commits?per_page=100");
        assertThat(commits).hasSize(250);
        assertThat(commits.stream().map(c -> c.get("sha").asText()).distinct()).hasSize(250);
        List<Instant> dates = commits.stream().map(c -> Instant.parse(c.at("/commit/committer/date").asText())).toList();
        assertThat(dates).isSortedAccordingTo(java.util.Comparator.reverseOrder()); // newest first, as GitHub lists them

        List<JsonNode> issues = all(github.apiUrl() + "/repos/o/s/issues?per_page=30&state=all&sort=updated&direction=asc");
        assertThat(issues).hasSize(40);
        assertThat(issues.stream().map(i -> Instant.parse(i.get("updated_at").asText())).toList()).isSorted();
    }

    @Test
    void sinceSelectsCommitsByCommitterDateAndIssuesByUpdatedAt() throws Exception {
        github.serveSyntheticActivity("o/s", 250, 40, 7);
        List<JsonNode> commits = all(github.apiUrl() + "/repos/o/s/commits?per_page=100");
        String since = commits.get(49).at("/commit/committer/date").asText();
        assertThat(all(github.apiUrl() + "/repos/o/s/commits?per_page=100&since=" + since)).hasSize(50);

        List<JsonNode> issues = all(github.apiUrl() + "/repos/o/s/issues?per_page=100&state=all&sort=updated&direction=asc");
        String issuesSince = issues.get(10).get("updated_at").asText();
        List<JsonNode> recent = all(github.apiUrl() + "/repos/o/s/issues?per_page=7&state=all&sort=updated&direction=asc&since=" + issuesSince);
        assertThat(recent).hasSize(30);
        assertThat(recent.get(0).get("number")).isEqualTo(issues.get(10).get("number"));
    }

    @Test
    void theExpectedMonthlyCountsAreWhatTheServedItemsImply() throws Exception {
        SyntheticActivity activity = github.serveSyntheticActivity("o/s", 700, 300, 3);
        Map<String, long[]> counted = new TreeMap<>();
        Map<String, Set<String>> authors = new HashMap<>();
        for (JsonNode c : all(github.apiUrl() + "/repos/o/s/commits?per_page=100")) {
            String month = month(c.at("/commit/author/date").asText());
            counted.computeIfAbsent(month, m -> new long[6])[0]++;
            String login = c.at("/author/login").asText(null);
            authors.computeIfAbsent(month, m -> new HashSet<>())
                    .add(login != null ? "login:" + login : "email:" + c.at("/commit/author/email").asText());
        }
        authors.forEach((month, set) -> counted.get(month)[1] = set.size());
        for (JsonNode i : all(github.apiUrl() + "/repos/o/s/issues?per_page=100&state=all&sort=updated&direction=asc")) {
            JsonNode pr = i.get("pull_request");
            boolean isPr = pr != null && pr.isObject() && (!pr.path("url").isNull() || !pr.path("html_url").isNull());
            counted.computeIfAbsent(month(i.get("created_at").asText()), m -> new long[6])[isPr ? 4 : 2]++;
            String resolved = isPr ? i.at("/pull_request/merged_at").asText(null) : i.get("closed_at").asText(null);
            if (resolved != null) {
                counted.computeIfAbsent(month(resolved), m -> new long[6])[isPr ? 5 : 3]++;
            }
        }
        Map<String, long[]> expected = activity.expectedMonthlyCounts();
        assertThat(counted.keySet()).isEqualTo(expected.keySet());
        counted.forEach((month, c) -> assertThat(c).as(month).containsExactly(expected.get(month)));
        assertThat(expected.size()).as("months of history").isGreaterThan(60);
        long[] totals = new long[6];
        expected.values().forEach(c -> { for (int k = 0; k < 6; k++) { totals[k] += c[k]; } });
        assertThat(totals[0]).isEqualTo(700);
        assertThat(totals[2] + totals[4]).isEqualTo(300);
        assertThat(totals[3]).as("issues closed").isPositive();
        assertThat(totals[5]).as("PRs merged").isPositive();
    }

    @Test
    void aMillionCommitsAreServedLazilyPageByPage() throws Exception {
        github.serveSyntheticActivity("big/repo", 1_000_000, 100_000, 1);
        Answer page = get("/repos/big/repo/commits?per_page=100&page=5000");
        assertThat(page.json()).hasSize(100);
        Matcher last = LAST.matcher(page.headers().get("link"));
        assertThat(last.find()).isTrue();
        assertThat(last.group(1)).endsWith("page=10000");
        int bytesPerItem = page.body().length() / 100;
        assertThat(bytesPerItem).as("a realistic item size").isBetween(1500, 6000);
        assertThat(get("/repos/big/repo/issues?per_page=100&page=1000").json()).hasSize(100);
        assertThat(get("/repos/big/repo/issues?per_page=100&page=1001").json()).isEmpty();
    }

    @Test
    void aMatchingEtagAnswers304UntilTheContentChanges() throws Exception {
        String open = "{\"number\":1,\"title\":\"t\",\"state\":\"open\",\"created_at\":\"2020-01-01T00:00:00Z\",\"updated_at\":\"2020-01-02T00:00:00Z\",\"closed_at\":null}";
        String closed = "{\"number\":1,\"title\":\"t\",\"state\":\"shut\",\"created_at\":\"2020-01-01T00:00:00Z\",\"updated_at\":\"2020-01-02T00:00:00Z\",\"closed_at\":null}";
        github.serveIssueItems("o/r", List.of(open));
        String url = "/repos/o/r/issues?per_page=100&state=all";
        String etag = get(url).headers().get("etag");
        assertThat(etag).startsWith("\"");
        assertThat(get(url, "If-None-Match", etag).status()).isEqualTo(304);
        github.serveIssueItems("o/r", List.of(closed)); // same length, other content
        Answer changed = get(url, "If-None-Match", etag);
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.headers().get("etag")).isNotEqualTo(etag);
    }

    @Test
    void faultsApplyToTheNextRequestsInOrderAndAreRecorded() throws Exception {
        github.serveCommits("o/r", GitHubFixtures.EXAMPLE_COMMITS + ".json");
        github.failNext(1, 502).rateLimitNext(Duration.ofSeconds(90)).secondaryLimitNext(30).secondaryLimitNext(null).malformedNextPage();
        String url = "/repos/o/r/commits?per_page=100";
        assertThat(get(url).status()).isEqualTo(502);
        Answer primary = get(url);
        assertThat(primary.status()).isEqualTo(403);
        assertThat(primary.headers()).containsEntry("x-ratelimit-remaining", "0");
        assertThat(Long.parseLong(primary.headers().get("x-ratelimit-reset"))).isGreaterThan(Instant.now().getEpochSecond() + 60);
        Answer secondary = get(url);
        assertThat(secondary.status()).isEqualTo(403);
        assertThat(secondary.headers()).containsEntry("retry-after", "30");
        assertThat(secondary.body()).contains("secondary rate limit");
        Answer withoutRetryAfter = get(url);
        assertThat(withoutRetryAfter.status()).isEqualTo(403);
        assertThat(withoutRetryAfter.headers()).doesNotContainKey("retry-after");
        Answer malformed = get(url);
        assertThat(malformed.status()).isEqualTo(200);
        assertThatThrownBy(malformed::json).isInstanceOf(IOException.class);
        assertThat(get(url, "Authorization", "Bearer x").json()).hasSize(1);

        github.resetConnectionNext(1);
        assertThatThrownBy(() -> get(url)).isInstanceOf(IOException.class);
        github.unauthorized();
        assertThat(get(url).status()).isEqualTo(401);
        github.unauthorized(false);
        assertThat(get(url).status()).isEqualTo(200);

        assertThat(github.requests()).hasSize(9);
        assertThat(github.requests().get(5).getHeaders().get("Authorization")).isEqualTo("Bearer x");
        assertThat(github.requests().get(0).getUrl().queryParameter("per_page")).isEqualTo("100");
    }

    @Test
    void aFaultCanTargetOnePage() throws Exception {
        github.serveSyntheticActivity("o/s", 250, 0, 7);
        github.failWhen(u -> "2".equals(u.queryParameter("page")), 503)
                .malformedPageWhen(u -> "3".equals(u.queryParameter("page")));
        assertThat(get("/repos/o/s/commits?per_page=100&page=3").body()).startsWith("<html>");
        assertThat(get("/repos/o/s/commits?per_page=100&page=1").status()).isEqualTo(200);
        assertThat(get("/repos/o/s/commits?per_page=100&page=2").status()).isEqualTo(503);
        assertThat(get("/repos/o/s/commits?per_page=100&page=2").status()).isEqualTo(200);
    }

    private static String month(String timestamp) {
        return YearMonth.from(Instant.parse(timestamp).atOffset(ZoneOffset.UTC)).toString();
    }

    @Test
    void anOwnersRepositoriesAreListedPagedWithIdsForksArchivedAndTokenBudgets() throws IOException {
        github.serveSyntheticActivity("acme/b", 2, 1, 1);
        github.serveSyntheticActivity("acme/a", 2, 1, 2);
        github.serveSyntheticActivity("acme/c", 2, 1, 3);
        github.serveSyntheticActivity("other/x", 2, 1, 4);
        github.fork("acme/b").archived("acme/c");
        Answer first = get("/orgs/acme/repos?per_page=2");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().findValuesAsText("full_name")).containsExactly("acme/a", "acme/b");
        assertThat(first.json().get(1).get("fork").asBoolean()).isTrue();
        assertThat(first.json().get(0).get("fork").isBoolean()).isTrue();
        Answer second = get(first.next());
        assertThat(second.json().findValuesAsText("full_name")).containsExactly("acme/c");
        assertThat(second.json().get(0).get("archived").asBoolean()).isTrue();
        assertThat(second.json().get(0).get("id").asLong()).isEqualTo(github.id("acme/c"));
        assertThat(get("/users/acme/repos?per_page=100").json()).hasSize(3);
        github.deleteRepository("acme/a");
        assertThat(get("/orgs/acme/repos").json().findValuesAsText("full_name")).containsExactly("acme/b", "acme/c");
        assertThat(get("/orgs/nobody/repos").status()).isEqualTo(404);

        github.tokenBudget("t1", 1).rejectToken("t2");
        assertThat(get("/orgs/acme/repos", "Authorization", "Bearer t1").headers()).containsEntry("x-ratelimit-remaining", "0");
        assertThat(get("/orgs/acme/repos", "Authorization", "Bearer t1").status()).isEqualTo(403);
        assertThat(github.requestsPastLimit("t1")).isEqualTo(1);
        assertThat(get("/orgs/acme/repos", "Authorization", "Bearer t2").status()).isEqualTo(401);
    }

    /** Issue 17: what the fake answers at once is counted honestly, by requests and by repositories, with their arrival times. */
    @Test
    void requestsAnsweredAtOnceAreCountedByRequestAndByRepository() throws Exception {
        github.serveSyntheticActivity("acme/a", 3, 0, 1);
        github.serveSyntheticActivity("acme/b", 3, 0, 2);
        github.latency(Duration.ofMillis(300));
        get("/repos/acme/a/commits");
        assertThat(github.maxRequestsInFlight()).isEqualTo(1);
        assertThat(github.maxRepositoriesInFlight()).isEqualTo(1);

        // Three at once, two of them for the same repository: three requests, two repositories in flight.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(3);
            List<java.util.concurrent.Future<Answer>> answers = new ArrayList<>();
            for (String path : List.of("/repos/acme/a/commits", "/repos/acme/a/issues", "/repos/acme/b/commits")) {
                answers.add(threads.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return get(path);
                }));
            }
            for (java.util.concurrent.Future<Answer> answer : answers) {
                assertThat(answer.get().status()).isEqualTo(200);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(github.maxRequestsInFlight()).isEqualTo(3);
        assertThat(github.maxRepositoriesInFlight()).isEqualTo(2);
        List<FakeGitHub.TimedRequest> timed = github.timedRequests();
        assertThat(timed).hasSize(4);
        assertThat(timed.get(0).request().getUrl().encodedPath()).isEqualTo("/repos/acme/a/commits");
        assertThat(Duration.between(timed.get(0).at(), timed.get(1).at())).as("the first answer came after the latency")
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));

        github.latency(Duration.ZERO).resetInFlightMaxima();
        get("/repos/acme/b/commits");
        assertThat(github.maxRequestsInFlight()).isEqualTo(1);
    }
}
