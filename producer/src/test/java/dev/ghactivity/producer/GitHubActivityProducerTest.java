package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.producer.IngestReport.Outcome;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import mockwebserver3.RecordedRequest;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The whole producer (GitHub client, poller, transactions, cursors) against the fake GitHub, with a transactional
 * {@link MockProducer} standing in for Kafka: only committed records count, as with {@code read_committed}.
 */
class GitHubActivityProducerTest {
    private static final String TOKEN = "ghp_SECRETtoken0123456789abcdefghijklmn";

    private FakeGitHub github;
    private RecordingSleeper sleeper;
    private final List<MockProducer<String, byte[]>> kafkas = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger projectLogger = (Logger) LoggerFactory.getLogger("dev.ghactivity");

    @BeforeEach
    void start() {
        github = FakeGitHub.start();
        sleeper = new RecordingSleeper();
        logs.start();
        projectLogger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        projectLogger.detachAppender(logs);
        github.close();
        // Whatever happened, the token is in no log line nor in any logged exception.
        assertThat(logs.list).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(TOKEN);
            if (e.getThrowableProxy() != null) {
                assertThat(ThrowableProxyUtil.asString(e.getThrowableProxy())).doesNotContain(TOKEN);
            }
        });
    }

    private ProducerAppConfig.Builder config(String... repos) {
        return ProducerAppConfig.builder()
                .bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl())
                .token(GitHubToken.of(TOKEN))
                .repositories(Arrays.stream(repos).map(RepositoryName::parse).toList())
                .retries(3, Duration.ofSeconds(1), Duration.ofSeconds(8))
                .maxTimePerTransaction(Duration.ofMinutes(5)) // transactions bounded by records only: deterministic
                .sleeper(sleeper);
    }

    /** A producer on a fresh MockProducer, with the cursors committed by the previous ones (a restart). */
    private GitHubActivityProducer producer(ProducerAppConfig config) {
        IngestCursorStore cursors = IngestCursorStore.empty();
        latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).forEach(cursors::put);
        MockProducer<String, byte[]> kafka = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        kafkas.add(kafka);
        return new GitHubActivityProducer(config, kafka, cursors);
    }

    private MockProducer<String, byte[]> kafka() {
        return kafkas.get(kafkas.size() - 1);
    }

    /** Records of committed transactions, in order, over every producer of the test. */
    private List<ProducerRecord<String, byte[]>> committed(String topic) {
        return kafkas.stream().flatMap(k -> k.history().stream()).filter(r -> r.topic().equals(topic)).toList();
    }

    private <T> Map<String, T> latest(String topic, Function<byte[], T> decode) {
        Map<String, T> result = new TreeMap<>();
        committed(topic).forEach(r -> result.put(r.key(), decode.apply(r.value())));
        return result;
    }

    private Map<String, CommitEvent> commits() {
        return latest(Topics.COMMITS, AvroSerdes.commitEvent()::decode);
    }

    private Map<String, IssueEvent> issues() {
        return latest(Topics.ISSUES, AvroSerdes.issueEvent()::decode);
    }

    private static String month(Instant t) {
        return YearMonth.from(t.atOffset(ZoneOffset.UTC)).toString();
    }

    private static <T> Map<String, Long> byMonth(Map<String, T> events, String repo, Function<T, String> repoOf, Function<T, Instant> at,
                                                 java.util.function.Predicate<T> which) {
        Map<String, Long> result = new TreeMap<>();
        events.values().stream().filter(e -> repoOf.apply(e).equals(repo) && which.test(e))
                .forEach(e -> result.merge(month(at.apply(e)), 1L, Long::sum));
        return result;
    }

    @Test
    void aBackfillPublishesExactlyEachFixturesEventsPerMonthAndKind() {
        github.serveRecordedIssues("org/recorded");
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.serveCommits("org/example", GitHubFixtures.EXAMPLE_COMMITS + ".json");
        github.serveIssues("org/example", GitHubFixtures.EXAMPLE_ISSUES + ".json");
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("org/recorded", "org/tidbit", "Org/Example").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.allIngested()).isTrue();
        assertThat(report.of("org/recorded")).extracting(r -> r.commits(), r -> r.issues(), r -> r.requests(), r -> r.malformed())
                .containsExactly(0L, 13L, 7L, 0L); // its id (GET /repos/org/recorded), 1 empty commits page, the 5 recorded issue pages
        assertThat(report.of("org/tidbit").commits()).isEqualTo(30);
        assertThat(report.of("org/example")).extracting(r -> r.commits(), r -> r.issues()).containsExactly(1L, 1L);

        Map<String, CommitEvent> commits = commits();
        Map<String, IssueEvent> issues = issues();
        for (var fixture : List.of(Map.entry("org/tidbit", GitHubFixtures.TIDBIT_COMMITS), Map.entry("org/example", GitHubFixtures.EXAMPLE_COMMITS))) {
            String repo = fixture.getKey();
            assertThat(byMonth(commits, repo, CommitEvent::getRepo, CommitEvent::getAuthorDate, c -> true)).as(repo)
                    .isEqualTo(GitHubFixtures.expectedCounts(fixture.getValue(), "commits_by_author_date_month_utc"));
            assertThat(byMonth(commits, repo, CommitEvent::getRepo, CommitEvent::getCommitterDate, c -> true)).as(repo)
                    .isEqualTo(GitHubFixtures.expectedCounts(fixture.getValue(), "commits_by_committer_date_month_utc"));
        }
        for (var fixture : List.of(Map.entry("org/recorded", GitHubFixtures.PAGINATED_ISSUES), Map.entry("org/example", GitHubFixtures.EXAMPLE_ISSUES))) {
            String repo = fixture.getKey();
            assertThat(byMonth(issues, repo, IssueEvent::getRepo, IssueEvent::getCreatedAt, i -> !i.getIsPullRequest())).as(repo)
                    .isEqualTo(GitHubFixtures.expectedCounts(fixture.getValue(), "issues_excluding_prs_by_created_month_utc"));
            assertThat(byMonth(issues, repo, IssueEvent::getRepo, IssueEvent::getCreatedAt, IssueEvent::getIsPullRequest)).as(repo)
                    .isEqualTo(GitHubFixtures.expectedCounts(fixture.getValue(), "pull_requests_by_created_month_utc"));
        }
        // Nothing was published twice, and keys are the identities.
        assertThat(committed(Topics.COMMITS)).hasSize(31);
        assertThat(committed(Topics.ISSUES)).hasSize(14);
        assertThat(commits).containsKey("org/tidbit@7cdd62707f785824b216a1630ca08761bfbbfcd8");
        assertThat(issues).containsKeys("org/recorded#1", "org/recorded#13", "org/example#1347");

        Map<String, IngestCursor> cursors = latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode);
        assertThat(cursors).containsOnlyKeys("org/recorded:commits", "org/recorded:issues", "org/tidbit:commits", "org/tidbit:issues",
                "org/example:commits", "org/example:issues");
        assertThat(cursors.values()).allSatisfy(c -> assertThat(c.getResumeUrl()).isNull());
        // A 304 proves only its page: the 5-page listing keeps no ETag, the one-page listings do.
        assertThat(cursors.get("org/recorded:issues").getEtag()).isNull();
        assertThat(cursors.get("org/example:issues").getEtag()).isNotNull();
        assertThat(cursors.get("org/recorded:issues").getItemsPublished()).isEqualTo(13);
        assertThat(cursors.get("org/example:issues").getItemsPublished()).isEqualTo(1);
        assertThat(cursors.get("org/tidbit:commits").getItemsPublished()).isEqualTo(30);

        List<RecordedRequest> requests = github.requests();
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
            assertThat(r.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
            assertThat(r.getHeaders().get("Accept")).isEqualTo("application/vnd.github+json");
            assertThat(r.getHeaders().get("User-Agent")).isEqualTo("ghactivity");
        });
        assertThat(requests).extracting(r -> r.getUrl().encodedPath() + "?" + r.getUrl().encodedQuery()).contains(
                "/repos/org/example/issues?per_page=100&state=all&sort=updated&direction=asc",
                "/repos/org/example/commits?per_page=100",
                "/repositories/515435940/issues?per_page=3&page=5");
    }

    @Test
    void laterPollsProbeTheHeadAndAskTheWholeOnePageListingsWithTheirEtagsSoAnIdleRepositoryCostsTwo304s() {
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        try (GitHubActivityProducer producer = producer(config("org/tidbit").build())) {
            producer.pollOnce();
        }
        String issuesEtag = latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:issues").getEtag();
        int before = github.requests().size();
        IngestReport second;
        IngestReport third;
        try (GitHubActivityProducer producer = producer(config("org/tidbit").build())) { // a restart: cursors read back
            second = producer.pollOnce();
            third = producer.pollOnce();
        }
        List<RecordedRequest> secondRequests = github.requests().subList(before, before + 2);
        assertThat(secondRequests).extracting(r -> r.getUrl().encodedPath() + "?" + r.getUrl().encodedQuery()).containsExactly(
                "/repos/org/tidbit/commits?per_page=1", "/repos/org/tidbit/issues?per_page=100&state=all&sort=updated&direction=asc");
        assertThat(secondRequests.get(1).getHeaders().get("If-None-Match")).isEqualTo(issuesEtag);
        // The head probe answers 200 once (no ETag kept by the backfill), finds the same head: nothing else is read.
        assertThat(second.of("org/tidbit")).extracting(r -> r.commits(), r -> r.issues(), r -> r.requests(), r -> r.notModified())
                .containsExactly(0L, 0L, 2L, 1L);
        // The third poll asks exactly what the second did, with the second's ETags: two free 304s.
        assertThat(third.of("org/tidbit")).extracting(r -> r.commits(), r -> r.issues(), r -> r.requests(), r -> r.notModified())
                .containsExactly(0L, 0L, 2L, 2L);
        List<RecordedRequest> last = github.requests().subList(github.requests().size() - 2, github.requests().size());
        assertThat(last).allSatisfy(r -> assertThat(r.getHeaders().get("If-None-Match")).isNotNull());
        assertThat(committed(Topics.COMMITS)).hasSize(30);
        assertThat(committed(Topics.ISSUES)).isEmpty();
    }

    @Test
    void anIssueRePolledAfterItWasClosedReplacesItsOpenStateUnderTheSameKey() {
        String plainWithLegacyPullRequest = issue(2, "2021-01-06T10:00:00Z", "2021-01-06T10:00:00Z", null,
                ",\"pull_request\":{\"url\":null,\"html_url\":null,\"diff_url\":null,\"patch_url\":null}");
        github.serveIssueItems("org/r", List.of(
                plainWithLegacyPullRequest,
                issue(1, "2021-01-05T10:00:00Z", "2021-01-07T10:00:00Z", null, ""),
                issue(3, "2021-01-31T23:30:00Z", "2021-01-31T23:30:00Z", null, pullRequest(3, null))));
        try (GitHubActivityProducer producer = producer(config("org/r").build())) {
            assertThat(producer.pollOnce().of("org/r").issues()).isEqualTo(3);
            assertThat(issues().get("org/r#1").getState()).isEqualTo("open");

            github.serveIssueItems("org/r", List.of(
                    plainWithLegacyPullRequest,
                    issue(1, "2021-01-05T10:00:00Z", "2021-02-10T08:00:00Z", "2021-02-10T08:00:00Z", ""),
                    issue(3, "2021-01-31T23:30:00Z", "2021-03-01T00:00:00Z", "2021-03-01T00:00:00Z", pullRequest(3, "2021-03-01T00:00:00Z"))));
            IngestReport again = producer.pollOnce();
            assertThat(again.of("org/r").issues()).isEqualTo(2);
        }
        RecordedRequest incremental = github.requests().get(github.requests().size() - 1);
        assertThat(incremental.getUrl().queryParameter("since")).isEqualTo("2021-01-31T23:20:00Z");
        assertThat(incremental.getUrl().queryParameter("sort")).isEqualTo("updated");

        Map<String, IssueEvent> issues = issues();
        assertThat(issues).containsOnlyKeys("org/r#1", "org/r#2", "org/r#3");
        assertThat(issues.get("org/r#1")).satisfies(i -> {
            assertThat(i.getState()).isEqualTo("closed");
            assertThat(i.getClosedAt()).isEqualTo(Instant.parse("2021-02-10T08:00:00Z"));
            assertThat(i.getIsPullRequest()).isFalse();
        });
        assertThat(issues.get("org/r#2").getIsPullRequest()).as("legacy pull_request object with null URLs").isFalse();
        assertThat(issues.get("org/r#3")).satisfies(pr -> {
            assertThat(pr.getIsPullRequest()).isTrue();
            assertThat(pr.getMergedAt()).isEqualTo(Instant.parse("2021-03-01T00:00:00Z"));
        });
        assertThat(committed(Topics.ISSUES)).extracting(ProducerRecord::key)
                .containsExactly("org/r#2", "org/r#1", "org/r#3", "org/r#1", "org/r#3");
    }

    @Test
    void a404OnOneOfTwoRepositoriesSkipsItAndTheOtherIsIngested() {
        github.notFound("org/missing");
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("org/missing", "org/tidbit").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("org/missing").outcome()).isEqualTo(Outcome.NOT_FOUND);
        assertThat(report.of("org/missing").message()).contains("404", "org/missing");
        assertThat(report.of("org/tidbit").outcome()).isEqualTo(Outcome.INGESTED);
        assertThat(commits()).hasSize(30).allSatisfy((key, c) -> assertThat(key).startsWith("org/tidbit@"));
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).contains("org/missing", "not read", "404");
        });
    }

    @Test
    void aNextLinkThatAnswers404EndsTheListingKeepingWhatWasReadAndTheNextPollCompletesIt() {
        github.serveSyntheticActivity("org/s", 250, 250, 7);
        github.failWhen(url -> url.encodedPath().endsWith("/commits") && "3".equals(url.queryParameter("page")), 404);
        github.failWhen(url -> url.encodedPath().endsWith("/issues") && "2".equals(url.queryParameter("page")), 404);
        IngestReport first;
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            first = producer.pollOnce();
        }
        assertThat(first.of("org/s").outcome()).isEqualTo(Outcome.INGESTED);
        assertThat(commits()).hasSize(200);
        assertThat(issues()).hasSize(100);
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN)
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("org/s commits", "page=3", "answered 404", "200 items read"))
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("org/s issues", "page=2", "answered 404", "100 items read"));
        Map<String, IngestCursor> cursors = latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode);
        assertThat(cursors.values()).allSatisfy(c -> assertThat(c.getResumeUrl()).isNull());

        IngestReport second;
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            second = producer.pollOnce();
        }
        assertThat(second.of("org/s").outcome()).isEqualTo(Outcome.INGESTED);
        assertThat(commits()).as("the older commits behind the dead link are read again").hasSize(250);
        assertThat(issues()).as("issues go on from the newest one read").hasSize(250);
        assertThat(committed(Topics.ISSUES)).as("no issue but the overlap window's is published twice").hasSizeLessThan(300);
    }

    @Test
    void anOldDatedCommitPushedWithoutAMergeCommitHidesFromSinceButThePeriodicFullReadFindsIt() throws Exception {
        List<String> tidbit = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json");
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T00:00:00Z"));
        ProducerAppConfig config = tidbitBackfilled(now, Duration.ofDays(1));
        assertThat(commits()).hasSize(30);

        // A branch worked on in 2017 is fast-forwarded onto the default branch: no merge commit, so the newest commit
        // (the listing's first) is dated 2017 and since lists nothing new to compare with.
        List<String> merged = new ArrayList<>(tidbit);
        merged.add(0, GitHubFixtures.commitLike(tidbit.get(0), "0123456789abcdef0123456789abcdef01234567", "2017-03-05T10:00:00Z"));
        github.serveCommitItems("org/tidbit", merged);

        now.set(now.get().plus(Duration.ofHours(1)));
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        // since = cursor - overlap cannot see a 2017 date, but the head probe sees a new head and the comparison lists it.
        assertThat(commits()).hasSize(31).containsKey("org/tidbit@0123456789abcdef0123456789abcdef01234567");

        now.set(now.get().plus(Duration.ofDays(1)));
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(commits()).hasSize(31).containsKey("org/tidbit@0123456789abcdef0123456789abcdef01234567");
        List<RecordedRequest> commitRequests = github.requests().stream()
                .filter(r -> r.getUrl().encodedPath().endsWith("/commits")).toList();
        assertThat(commitRequests).extracting(r -> r.getUrl().queryParameter("since") == null)
                .as("first run, then the head probe and since, then the full read").containsExactly(true, true, false, true);
        assertThat(commitRequests.get(3).getHeaders().get("If-None-Match")).as("a full read must not end in a 304").isNull();
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("org/tidbit commits", "reading the whole listing again"));
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:commits").getLastFullReadAt())
                .isEqualTo(now.get());
    }

    @Test
    void aBranchMergedWithAMergeCommitIsFoundAtTheNextPollByComparingTheNewestCommitWithTheLastOne() throws Exception {
        List<String> tidbit = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json");
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T00:00:00Z"));
        ProducerAppConfig config = tidbitBackfilled(now, Duration.ZERO);
        String oldHead = shaOf(tidbit.get(0));
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:commits").getHeadSha()).isEqualTo(oldHead);

        // A branch worked on in 2017 is merged with a merge commit: the merge is new, the branch's commit keeps its date.
        String branchSha = "0123456789abcdef0123456789abcdef01234567";
        String mergeSha = "fedcba9876543210fedcba9876543210fedcba98";
        List<String> merged = new ArrayList<>(tidbit);
        merged.add(0, GitHubFixtures.commitLike(tidbit.get(0), branchSha, "2017-03-05T10:00:00Z"));
        merged.add(0, GitHubFixtures.commitLike(tidbit.get(0), mergeSha, "2026-11-01T00:30:00Z"));
        github.serveCommitItems("org/tidbit", merged);

        now.set(now.get().plus(Duration.ofHours(1)));
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config)) {
            report = producer.pollOnce();
        }
        assertThat(commits()).hasSize(32).containsKeys("org/tidbit@" + branchSha, "org/tidbit@" + mergeSha);
        assertThat(report.of("org/tidbit").commits()).as("the merge from since, the branch's commit from the comparison").isEqualTo(2);
        assertThat(committed(Topics.COMMITS).stream().filter(r -> r.key().endsWith(mergeSha))).as("listed once, not again").hasSize(1);
        List<String> compares = github.requests().stream().map(r -> r.getUrl().encodedPath()).filter(p -> p.contains("/compare/")).toList();
        assertThat(compares).containsExactly("/repos/org/tidbit/compare/" + oldHead + "..." + mergeSha);
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:commits").getHeadSha()).isEqualTo(mergeSha);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("org/tidbit commits: 1 more commit(s) between", "that since did not list"));

        // Nothing new: a free 304, and nothing to compare.
        now.set(now.get().plus(Duration.ofHours(1)));
        try (GitHubActivityProducer producer = producer(config)) {
            assertThat(producer.pollOnce().of("org/tidbit").commits()).isZero();
        }
        assertThat(github.requests().stream().filter(r -> r.getUrl().encodedPath().contains("/compare/"))).hasSize(1);
    }

    @Test
    void whenTheLastNewestCommitIsGoneTheComparisonIsSkippedWithAWarningAndTheHeadMovesOn() throws Exception {
        List<String> tidbit = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json");
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T00:00:00Z"));
        ProducerAppConfig config = tidbitBackfilled(now, Duration.ZERO);
        // Force-pushed: the old newest commit is replaced by another one.
        String newSha = "00000000000000000000000000000000000000aa";
        List<String> rewritten = new ArrayList<>(tidbit.subList(1, tidbit.size()));
        rewritten.add(0, GitHubFixtures.commitLike(tidbit.get(0), newSha, "2026-11-01T00:30:00Z"));
        github.serveCommitItems("org/tidbit", rewritten);

        now.set(now.get().plus(Duration.ofHours(1)));
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config)) {
            report = producer.pollOnce();
        }
        assertThat(report.allIngested()).isTrue();
        assertThat(commits()).hasSize(31).containsKey("org/tidbit@" + newSha);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("org/tidbit commits: GitHub cannot compare", "404", "--full-reread-interval"));
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:commits").getHeadSha()).isEqualTo(newSha);
    }

    /** Serves the 30-commit fixture as org/tidbit (no issues) and backfills it once at {@code now}. */
    private ProducerAppConfig tidbitBackfilled(AtomicReference<Instant> now, Duration fullRereadInterval) {
        github.serveCommitItems("org/tidbit", GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json"));
        github.serveIssueItems("org/tidbit", List.of());
        ProducerAppConfig config = config("org/tidbit").clock(clock(now)).fullRereadInterval(fullRereadInterval).build();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        return config;
    }

    private static String shaOf(String item) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(item).path("sha").asText();
    }

    /** Issues #1..#n of octo/repo, updated a day apart from 2024-01-01, made from the documentation's example item. */
    private static List<String> exampleIssues(int... numbers) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String template = GitHubFixtures.items(GitHubFixtures.EXAMPLE_ISSUES + ".json").get(0);
        List<String> items = new ArrayList<>();
        for (int n : numbers) {
            com.fasterxml.jackson.databind.node.ObjectNode item = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(template);
            item.put("number", n);
            item.put("id", 1000 + n);
            item.put("repository_url", "https://api.github.com/repos/octo/repo");
            item.putNull("pull_request");
            String day = Instant.parse("2024-01-01T00:00:00Z").plus(Duration.ofDays(n)).toString();
            item.put("created_at", day);
            item.put("updated_at", day);
            items.add(json.writeValueAsString(item));
        }
        return items;
    }

    private static java.time.Clock clock(AtomicReference<Instant> now) {
        return new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
    }

    @Test
    void theFullReadAsksAboutEveryIssueNoLongerListedAndRemovesOnlyThoseGitHubSaysAreGone() throws Exception {
        github.serveCommitItems("octo/repo", List.of());
        github.serveIssueItems("octo/repo", exampleIssues(1, 2, 3, 4, 5));
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T00:00:00Z"));
        ProducerAppConfig config = config("octo/repo").clock(clock(now)).fullRereadInterval(Duration.ofDays(1)).build();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(issues()).containsOnlyKeys("octo/repo#1", "octo/repo#2", "octo/repo#3", "octo/repo#4", "octo/repo#5");

        // #2 is deleted, #4 transferred; #5 is still there but this listing misses it (offset paging shifted under it).
        github.serveIssueItems("octo/repo", exampleIssues(1, 3));
        github.issueGone("octo/repo", 2, 410).issueGone("octo/repo", 4, 301);
        now.set(now.get().plus(Duration.ofHours(1)));
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(issues()).as("an incremental poll removes nothing").hasSize(5).doesNotContainValue(null);
        assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().matches(".*/issues/\\d+"));

        now.set(now.get().plus(Duration.ofDays(1)));
        int before = committed(Topics.ISSUES).size();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(github.requests()).filteredOn(r -> r.getUrl().encodedPath().matches(".*/issues/\\d+"))
                .extracting(r -> r.getUrl().encodedPath())
                // #4's redirect stays on the API origin: followed, to its new home, which does not list it here.
                .containsExactly("/repos/octo/repo/issues/2", "/repos/octo/repo/issues/4", "/repositories/1/issues/4", "/repos/octo/repo/issues/5");
        Map<String, IssueEvent> latest = issues();
        assertThat(latest).containsOnlyKeys("octo/repo#1", "octo/repo#2", "octo/repo#3", "octo/repo#4", "octo/repo#5");
        assertThat(latest.get("octo/repo#2")).as("deleted: tombstone").isNull();
        assertThat(latest.get("octo/repo#4")).as("transferred: tombstone").isNull();
        assertThat(latest.get("octo/repo#5")).as("still there: published again").isNotNull();
        assertThat(latest.get("octo/repo#1")).isNotNull();
        assertThat(committed(Topics.ISSUES).subList(before, committed(Topics.ISSUES).size()))
                .extracting(ProducerRecord::key).contains("octo/repo#2", "octo/repo#4", "octo/repo#5");
        IngestCursor cursor = latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("octo/repo:issues");
        assertThat(java.util.BitSet.valueOf(cursor.getKnownNumbers()).stream().boxed().toList()).containsExactly(1, 3, 5);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("octo/repo issues", "3 issues or PRs known but no longer listed", "2 deleted or transferred", "1 still there"));
    }

    @Test
    void aFullReadWithAMalformedPageRemovesNothing() throws Exception {
        github.serveCommitItems("octo/repo", List.of());
        github.serveIssueItems("octo/repo", exampleIssues(1, 2, 3));
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T00:00:00Z"));
        ProducerAppConfig config = config("octo/repo").clock(clock(now)).fullRereadInterval(Duration.ofDays(1)).build();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        github.serveIssueItems("octo/repo", exampleIssues(1));
        github.issueGone("octo/repo", 2, 410);
        for (int i = 0; i < 3; i++) {
            github.malformedPageWhen(url -> url.encodedPath().endsWith("/issues"));
        }
        now.set(now.get().plus(Duration.ofDays(2)));
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(issues()).hasSize(3).doesNotContainValue(null);
        assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().matches(".*/issues/\\d+"));
    }

    @Test
    void aMalformedPageIsFetchedAgainThenSkippedCountedAndLoggedWhileTheOtherPagesArePublished() {
        github.serveSyntheticActivity("org/s", 250, 0, 5);
        for (int i = 0; i < 3; i++) {
            github.malformedPageWhen(url -> url.encodedPath().endsWith("/commits") && "2".equals(url.queryParameter("page")));
        }
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("org/s")).extracting(r -> r.outcome(), r -> r.commits(), r -> r.malformed(), r -> r.requests())
                .containsExactly(Outcome.INCOMPLETE, 150L, 1L, 7L); // its id + 3 commit pages + 2 re-fetches + 1 issues page
        assertThat(commits()).hasSize(150);
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).contains("org/s", "/repos/org/s/commits?per_page=100&page=2", "malformed");
        });
    }

    /**
     * Found by the breaker: the run after one that skipped a malformed page read only what was new and exited 0 with 200
     * commits missing (until the full read 24 h later). A skipped page now makes the next poll read the whole listing
     * again, even with full re-reads turned off, so the items come as soon as GitHub answers them well.
     */
    @Test
    void thePollAfterASkippedMalformedPageReadsTheWholeListingAgainAndEndsComplete() {
        github.serveSyntheticActivity("org/s", 250, 0, 5);
        for (int i = 0; i < 3; i++) {
            github.malformedPageWhen(url -> url.encodedPath().endsWith("/commits") && "2".equals(url.queryParameter("page")));
        }
        ProducerAppConfig config = config("org/s").fullRereadInterval(Duration.ZERO).build(); // zero: never on its own
        try (GitHubActivityProducer producer = producer(config)) {
            assertThat(producer.pollOnce().of("org/s").outcome()).isEqualTo(Outcome.INCOMPLETE);
        }
        assertThat(commits()).hasSize(150);
        IngestCursor owed = latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/s:commits");
        assertThat(owed.getLastFullReadAt()).isEqualTo(ListingState.FULL_READ_OWED);

        IngestReport second;
        try (GitHubActivityProducer producer = producer(config)) {
            second = producer.pollOnce();
        }
        assertThat(second.of("org/s")).extracting(r -> r.outcome(), r -> r.malformed()).containsExactly(Outcome.INGESTED, 0L);
        assertThat(commits()).hasSize(250);
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/s:commits").getLastFullReadAt())
                .isNotEqualTo(ListingState.FULL_READ_OWED);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("org/s commits: reading the whole listing again: an earlier poll skipped a malformed page or item"));
    }

    @Test
    void a401StopsEverythingWithAMessageNamingTheVariableAndAbortsTheOpenTransaction() {
        github.serveSyntheticActivity("org/big", 450, 0, 1);
        github.failWhen(url -> "3".equals(url.queryParameter("page")), 401); // pages 1-2 are in the open transaction
        // One repository at a time, so org/other would come after org/big (polled at once, it would commit its own pages).
        try (GitHubActivityProducer producer = producer(config("org/big", "org/other").maxConcurrentRepos(1).build())) {
            assertThatThrownBy(producer::pollOnce)
                    .isInstanceOf(GitHubAuthenticationException.class)
                    .hasMessageContaining("GITHUB_TOKEN")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
        }
        assertThat(kafka().transactionAborted()).isTrue();
        assertThat(kafka().history()).isEmpty();
        assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().contains("org/other"));
    }

    @Test
    void rateLimitsAndServerErrorsAreWaitedOutAndNothingIsLostOrDuplicated() {
        github.serveSyntheticActivity("org/s", 350, 120, 9);
        github.exhaustRateLimitNext(Duration.ofSeconds(120)).secondaryLimitNext(5).secondaryLimitNext(null).failNext(1, 502)
                .rateLimitNext(Duration.ofSeconds(30)).resetConnectionNext(1);
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("org/s")).extracting(r -> r.outcome(), r -> r.commits(), r -> r.issues())
                .containsExactly(Outcome.INGESTED, 350L, 120L);
        assertThat(committed(Topics.COMMITS)).hasSize(350);
        assertThat(committed(Topics.ISSUES)).hasSize(120);
        assertThat(sleeper.sleeps).hasSize(6);
        assertThat(sleeper.sleeps).anySatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(122))) // reset of the primary limit
                .contains(Duration.ofSeconds(5), Duration.ofSeconds(60)) // Retry-After; secondary limit without it
                .anySatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(32)))
                .allSatisfy(d -> assertThat(d).isPositive());
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("rate limit", "waiting"));
    }

    @Test
    void aBackfillTransactionSpansManyPagesBoundedByRecords() {
        github.serveSyntheticActivity("org/s", 1000, 0, 3);
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            producer.pollOnce();
        }
        assertThat(kafka().commitCount()).as("10 commit pages in one transaction, the issues listing in another").isEqualTo(2);

        github.serveSyntheticActivity("org/t", 1000, 0, 4);
        try (GitHubActivityProducer producer = producer(config("org/t").maxRecordsPerTransaction(300).build())) {
            producer.pollOnce();
        }
        assertThat(kafka().commitCount()).as("after pages 3, 6, 9 and 10, then the issues").isEqualTo(5);
        assertThat(committed(Topics.COMMITS)).hasSize(2000);
    }

    /** An abortable commit failure; a commit that times out is retried instead (GitHubActivityProducerLifecycleIT, real broker). */
    @Test
    void anAbortableKafkaCommitFailureAbortsLeavesTheCursorAndTheNextPollPublishesEverythingOnce() {
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        try (GitHubActivityProducer producer = producer(config("org/tidbit").build())) {
            // The real client lets an abort follow this error class, as MockProducer does.
            kafka().commitTransactionException = new TransactionAbortableException("injected: the transaction must be aborted");
            IngestReport failed = producer.pollOnce();
            assertThat(failed.of("org/tidbit").outcome()).isEqualTo(Outcome.FAILED);
            assertThat(failed.of("org/tidbit").commits()).isZero();
            assertThat(kafka().history()).isEmpty();

            kafka().commitTransactionException = null;
            IngestReport ok = producer.pollOnce();
            assertThat(ok.of("org/tidbit").commits()).isEqualTo(30);
        }
        assertThat(committed(Topics.COMMITS)).hasSize(30);
        assertThat(github.requests()).filteredOn(r -> r.getUrl().encodedPath().endsWith("/commits"))
                .allSatisfy(r -> assertThat(r.getUrl().queryParameter("since")).as("still a backfill").isNull());
    }

    @Test
    void aFencedProducerStopsBecauseAnotherInstanceOwnsTheTransactionalId() {
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        try (GitHubActivityProducer producer = producer(config("org/tidbit").build())) {
            kafka().fenceProducer();
            assertThatThrownBy(producer::pollOnce).isInstanceOf(ProducerFencedException.class);
        }
        assertThat(kafka().history()).isEmpty();
    }

    @Test
    void runUntilClosedKeepsPollingThroughFailedPollsUntilClosed() throws Exception {
        github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
        for (int i = 0; i < 12; i++) { // the first poll fails every attempt, at 100 and then 50 per page, of both listings
            github.failWhen(url -> url.encodedPath().endsWith("/commits") || url.encodedPath().endsWith("/issues"), 503);
        }
        AtomicReference<Throwable> crashed = new AtomicReference<>();
        GitHubActivityProducer producer = producer(config("org/tidbit").pollInterval(Duration.ofMillis(20)).build());
        Thread loop = new Thread(() -> {
            try {
                producer.runUntilClosed();
            } catch (Throwable t) {
                crashed.set(t);
            }
        }, "poll-loop");
        loop.start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> committed(Topics.COMMITS).size() == 30);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> github.requests().size() >= 12 + 2 + 2); // and polls on
        producer.close();
        loop.join(Duration.ofSeconds(20).toMillis());
        assertThat(loop.isAlive()).isFalse();
        assertThat(crashed.get()).isNull();
        assertThat(kafka().closed()).isTrue();
        assertThat(committed(Topics.COMMITS)).hasSize(30);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("org/tidbit commits not read"));
    }

    @Test
    void withoutATokenItWarnsAndSendsNoAuthorization() {
        github.serveCommits("org/tidbit", GitHubFixtures.EXAMPLE_COMMITS + ".json");
        try (GitHubActivityProducer producer = producer(config("org/tidbit").token(GitHubToken.none()).build())) {
            assertThat(producer.pollOnce().allIngested()).isTrue();
        }
        assertThat(github.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isNull());
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("GITHUB_TOKEN", "unauthenticated");
        });
    }

    // ---------------------------------------------------------------- issue 13: every answer GitHub really gives

    @Test
    void anEmptyRepositoryHasNoCommitsAndItsIssuesAreStillListedAndCounted() {
        github.emptyRepository("acme/empty");
        github.serveIssueItems("acme/empty", List.of(issue(1, "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z", null, ""),
                issue(2, "2024-02-07T10:00:00Z", "2024-02-08T10:00:00Z", "2024-02-08T10:00:00Z", "")));
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("acme/empty").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.allIngested()).isTrue();
        assertThat(report.of("acme/empty")).extracting(r -> r.outcome(), r -> r.commits(), r -> r.issues())
                .containsExactly(Outcome.INGESTED, 0L, 2L);
        assertThat(commits()).isEmpty();
        assertThat(byMonth(issues(), "acme/empty", IssueEvent::getRepo, IssueEvent::getCreatedAt, e -> true))
                .isEqualTo(Map.of("2024-01", 1L, "2024-02", 1L));
        assertThat(logs.list).noneSatisfy(e -> assertThat(e.getLevel()).isIn(Level.WARN, Level.ERROR));
    }

    @Test
    void aRenamedRepositoryIsFollowedOnTheApiOriginAndCountedOnceUnderTheConfiguredName() {
        github.serveCommits("acme/new-name", GitHubFixtures.TIDBIT_COMMITS + ".json").renamed("acme/old-name", "acme/new-name", 505);
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("acme/old-name").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("acme/old-name").outcome()).isEqualTo(Outcome.INGESTED);
        assertThat(byMonth(commits(), "acme/old-name", CommitEvent::getRepo, CommitEvent::getAuthorDate, e -> true))
                .isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
        assertThat(commits()).allSatisfy((key, c) -> assertThat(key).startsWith("acme/old-name@"));
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("acme/old-name", "is now acme/new-name"));
        assertThat(github.requests()).allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void aRenamedRepositoryWhoseNewNameIsConfiguredTooIsNotCountedTwice() {
        github.serveCommits("acme/new-name", GitHubFixtures.TIDBIT_COMMITS + ".json").renamed("acme/old-name", "acme/new-name", 505);
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("acme/old-name", "acme/new-name").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("acme/old-name").outcome()).isEqualTo(Outcome.MOVED);
        assertThat(report.of("acme/old-name").message()).contains("remove --repo acme/old-name");
        assertThat(report.of("acme/new-name").outcome()).isEqualTo(Outcome.INGESTED);
        assertThat(commits()).hasSize(30).allSatisfy((key, c) -> assertThat(key).startsWith("acme/new-name@"));
    }

    @Test
    void linkUrlsOnAnotherOriginAreReadOnTheConfiguredApiBaseSoEveryPageIsRead() {
        github.serveSyntheticActivity("acme/ghe", 5, 5, 13);
        github.linkOrigin("http://ghe.internal:8080");
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("acme/ghe").perPage(2).build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("acme/ghe")).extracting(r -> r.outcome(), r -> r.commits(), r -> r.issues(), r -> r.requests())
                .containsExactly(Outcome.INGESTED, 5L, 5L, 7L); // its id, 3 pages of each
        assertThat(github.requests()).filteredOn(r -> !r.getUrl().encodedPath().equals("/repos/acme/ghe"))
                .extracting(r -> r.getUrl().queryParameter("page")).containsExactly(null, "2", "3", null, "2", "3");
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).values())
                .allSatisfy(c -> assertThat(c.getResumeUrl()).isNull());
    }

    @Test
    void aCommitDatedInTheFutureNeitherMovesTheCursorPastNowNorHidesCommitsPushedOnTopOfIt() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2024-02-01T00:00:00Z"));
        List<String> tidbit = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json");
        List<String> history = new ArrayList<>(tidbit);
        history.add(0, GitHubFixtures.commitLike(tidbit.get(0), "4040404040404040404040404040404040404040", "2040-06-01T12:00:00Z"));
        github.serveCommitItems("org/tidbit", history);
        github.serveIssueItems("org/tidbit", List.of());
        ProducerAppConfig config = config("org/tidbit").clock(clock(now)).fullRereadInterval(Duration.ZERO).build();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(latest(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/tidbit:commits").getSince())
                .isEqualTo(now.get().plus(ListingState.CLOCK_SKEW));

        now.set(now.get().plus(Duration.ofHours(1)));
        List<String> pushed = new ArrayList<>(history);
        pushed.add(0, GitHubFixtures.commitLike(tidbit.get(0), "2402240224022402240224022402240224022402", "2024-02-01T00:40:00Z"));
        pushed.add(0, GitHubFixtures.commitLike(tidbit.get(0), "2402240224022402240224022402240224022403", "2024-02-01T00:50:00Z"));
        github.serveCommitItems("org/tidbit", pushed);
        IngestReport second;
        IngestReport third;
        try (GitHubActivityProducer producer = producer(config)) {
            second = producer.pollOnce();
            third = producer.pollOnce();
        }
        Map<String, Long> expected = new TreeMap<>(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
        expected.put("2040-06", 1L);
        expected.put("2024-02", 2L);
        assertThat(byMonth(commits(), "org/tidbit", CommitEvent::getRepo, CommitEvent::getAuthorDate, e -> true)).isEqualTo(expected);
        assertThat(second.of("org/tidbit").commits()).isEqualTo(2);
        assertThat(third.of("org/tidbit")).extracting(r -> r.commits(), r -> r.requests(), r -> r.notModified()).containsExactly(0L, 2L, 2L);
    }

    @Test
    void anIssueClosedOntoTheSecondPageIsReadAlthoughTheFirstPageIsUnchanged() {
        List<String> closedByBot = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            String at = "2024-03-01T10:00:0" + n + "Z";
            closedByBot.add(issue(n, "2024-01-0" + n + "T10:00:00Z", at, at, ""));
        }
        closedByBot.add(issue(6, "2024-02-01T10:00:00Z", "2024-03-01T09:00:00Z", null, ""));
        github.serveIssueItems("acme/busy", sortedByUpdated(closedByBot));
        ProducerAppConfig config = config("acme/busy").perPage(3).build();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce(); // the backfill
            producer.pollOnce(); // since = newest - overlap: the 5 closed by the bot, on 2 pages of 3
        }
        // Issue 6 is closed afterwards: it sorts last, onto page 2; page 1 (its body and ETag) stays the same.
        List<String> later = new ArrayList<>(closedByBot.subList(0, 5));
        later.add(issue(6, "2024-02-01T10:00:00Z", "2024-03-01T10:00:09Z", "2024-03-01T10:00:09Z", ""));
        github.serveIssueItems("acme/busy", sortedByUpdated(later));
        int before = github.requests().size();
        try (GitHubActivityProducer producer = producer(config)) {
            producer.pollOnce();
        }
        assertThat(github.requests().subList(before, github.requests().size()))
                .filteredOn(r -> r.getUrl().encodedPath().endsWith("/issues"))
                .as("no conditional request for a listing of two pages").hasSize(2)
                .allSatisfy(r -> assertThat(r.getHeaders().get("If-None-Match")).isNull());
        assertThat(issues().get("acme/busy#6").getState()).isEqualTo("closed");
        assertThat(byMonth(issues(), "acme/busy", IssueEvent::getRepo, IssueEvent::getClosedAt, e -> e.getClosedAt() != null))
                .isEqualTo(Map.of("2024-03", 6L));
    }

    private static List<String> sortedByUpdated(List<String> items) {
        return items.stream().sorted(java.util.Comparator.comparing(i -> i.replaceAll(".*\"updated_at\":\"([^\"]+)\".*", "$1"))).toList();
    }

    @Test
    void anUnreachableHostIsOneLineNamingItAndCountsTheRequestsReallySent() {
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("a/b", "c/d").githubApiUrl("http://nonexistent.invalid").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.noneReached()).isTrue();
        assertThat(report.of("a/b")).extracting(r -> r.outcome(), r -> r.requests()).containsExactly(Outcome.UNREACHABLE, 1L);
        assertThat(report.of("a/b").message()).contains("nonexistent.invalid", "network", "proxy", "--github-api-url");
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void eachFailureIsReportedAsItsOwnKind() {
        for (String repo : List.of("k/legal", "k/forbidden", "k/gone", "k/missing")) {
            github.serveIssueItems(repo, List.of());
        }
        github.failWhen(u -> u.encodedPath().startsWith("/repos/k/legal/"), 451).failWhen(u -> u.encodedPath().startsWith("/repos/k/forbidden/"), 403)
                .failWhen(u -> u.encodedPath().startsWith("/repos/k/gone/"), 410).notFound("k/missing");
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("k/legal", "k/forbidden", "k/gone", "k/missing").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.repositories()).extracting(r -> r.outcome()).containsExactly(Outcome.UNAVAILABLE_FOR_LEGAL_REASONS,
                Outcome.FORBIDDEN, Outcome.GONE, Outcome.NOT_FOUND);
        assertThat(report.toString()).contains("k/legal unavailable_for_legal_reasons", "k/forbidden forbidden", "k/gone gone", "k/missing not_found");
    }

    @Test
    void aClosedIssueWithoutClosedAtIsPublishedCountedAsMissingAndTheRunIsIncomplete() {
        github.serveIssueItems("old/ghe", List.of("{\"number\":1,\"title\":\"t\",\"state\":\"closed\",\"created_at\":\"2015-03-01T00:00:00Z\","
                + "\"updated_at\":\"2015-04-01T00:00:00Z\"}"));
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("old/ghe").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("old/ghe")).extracting(r -> r.outcome(), r -> r.issues(), r -> r.missing()).containsExactly(Outcome.INCOMPLETE, 1L, 1L);
        assertThat(report.allIngested()).isFalse();
        assertThat(issues().get("old/ghe#1").getClosedAt()).isNull();
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("old/ghe", "#1: closed_at", "not as false"));
    }

    @Test
    void aPageThatKeepsTimingOutIsAskedForAgainInSmallerPagesAndNothingIsLost() {
        github.serveSyntheticActivity("org/s", 250, 0, 5);
        for (int i = 0; i < 3; i++) {
            github.failWhen(url -> url.encodedPath().endsWith("/commits") && "2".equals(url.queryParameter("page"))
                    && "100".equals(url.queryParameter("per_page")), 502);
        }
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config("org/s").build())) {
            report = producer.pollOnce();
        }
        assertThat(report.of("org/s")).extracting(r -> r.outcome(), r -> r.commits()).containsExactly(Outcome.INGESTED, 250L);
        assertThat(commits()).hasSize(250);
        assertThat(github.requests()).filteredOn(r -> r.getUrl().encodedPath().endsWith("/commits"))
                .extracting(r -> r.getUrl().queryParameter("per_page") + "/" + r.getUrl().queryParameter("page"))
                .containsExactly("100/null", "100/2", "100/2", "100/2", "50/3", "50/4", "50/5");
    }

    private static String issue(int number, String created, String updated, String closed, String extra) {
        return "{\"number\":" + number + ",\"title\":\"issue " + number + "\",\"user\":{\"login\":\"octocat\"},\"labels\":[],\"state\":\""
                + (closed == null ? "open" : "closed") + "\",\"created_at\":\"" + created + "\",\"updated_at\":\"" + updated
                + "\",\"closed_at\":" + (closed == null ? "null" : "\"" + closed + "\"") + extra + "}";
    }

    /** Issue 17: whole organizations, rediscovered; forks, archived and excluded repositories left out. */
    @Test
    void anOrganizationIsIngestedWholeAndRediscoveredNewDeletedAndRenamedRepositories() {
        Map<String, dev.ghactivity.testkit.SyntheticActivity> acme = new TreeMap<>();
        for (int i = 0; i < 12; i++) {
            acme.put("acme/r" + i, github.serveSyntheticActivity("acme/r" + i, 3 + i % 4, 2 + i % 3, i));
        }
        github.serveSyntheticActivity("acme/forked", 3, 2, 90);
        github.fork("acme/forked");
        github.serveSyntheticActivity("acme/frozen", 3, 2, 91);
        github.archived("acme/frozen");
        github.serveSyntheticActivity("acme/web-site", 3, 2, 92);
        github.serveSyntheticActivity("other/elsewhere", 3, 2, 93);
        ProducerAppConfig config = config().perPage(5) // several pages of the organization's listing
                .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of("acme/*-site"), false, false))
                .discoveryInterval(Duration.ofMillis(1)) // every poll discovers again
                .build();
        try (GitHubActivityProducer producer = producer(config)) {
            IngestReport first = producer.pollOnce();
            assertThat(first.repositories()).extracting(IngestReport.RepositoryReport::repo).containsExactlyElementsOf(acme.keySet());
            assertThat(first.allIngested()).isTrue();
            assertCommitsExact(acme);
            assertThat(producer.isTracked(RepositoryName.parse("acme/forked"))).isFalse();

            // Between two discoveries: one repository added, one deleted, one renamed.
            dev.ghactivity.testkit.SyntheticActivity added = github.serveSyntheticActivity("acme/added", 4, 3, 94);
            github.deleteRepository("acme/r0");
            long id = github.id("acme/r1");
            github.serveSyntheticActivity("acme/r1-renamed", 3 + 1, 2 + 1, 1);
            github.renamed("acme/r1", "acme/r1-renamed", id);
            int requestsBefore = github.requests().size();
            IngestReport second = producer.pollOnce();
            List<String> expectedNow = new ArrayList<>(acme.keySet());
            expectedNow.remove("acme/r0");
            expectedNow.add("acme/added");
            java.util.Collections.sort(expectedNow);
            assertThat(second.repositories()).extracting(IngestReport.RepositoryReport::repo).containsExactlyElementsOf(expectedNow);
            assertThat(second.allIngested()).isTrue();
            assertThat(second.of("acme/added").commits()).isEqualTo(added.commits());
            assertThat(second.of("acme/r1").commits()).isZero(); // the same repository, under its first name: nothing twice
            assertThat(commits().values().stream().filter(e -> e.getRepo().equals("acme/r1-renamed"))).isEmpty();
            assertThat(github.requests().subList(requestsBefore, github.requests().size()))
                    .noneMatch(r -> r.getUrl().encodedPath().startsWith("/repos/acme/r0/"));
            assertThat(producer.isTracked(RepositoryName.parse("acme/r0"))).isFalse();
        }
    }

    /** The summary's discovery entry counts the requests its failed listing cost (retries included), not 0. */
    @Test
    void aDiscoveryListingThatCannotBeReadIsReportedWithTheRequestsItCost() {
        github.serveSyntheticActivity("acme/r0", 3, 2, 1);
        for (int i = 0; i < 3; i++) {
            github.failWhen(url -> url.encodedPath().equals("/orgs/broken/repos"), 503);
        }
        ProducerAppConfig config = config()
                .selection(new RepositorySelection(List.of(), List.of("acme", "broken"), List.of(), List.of(), false, false)).build();
        IngestReport report;
        try (GitHubActivityProducer producer = producer(config)) {
            report = producer.pollOnce();
        }
        assertThat(report.of("discovery")).extracting(r -> r.outcome(), r -> r.requests()).containsExactly(Outcome.FAILED, 3L);
        assertThat(report.of("discovery").toString()).isEqualTo("discovery failed (0 commits, 0 issues, 0 malformed, 3 requests, "
                + "0 not modified: orgs/broken: /orgs/broken/repos?type=all&per_page=100 answered 503 3 times)");
        assertThat(report.of("acme/r0").outcome()).isEqualTo(Outcome.INGESTED);
    }

    /**
     * Issue 17: three tokens with different budgets, the third rejected: each request goes with the token that has most
     * left, none is used past its limit, the rejected one is set aside by position, every repository is exact.
     */
    @Test
    void severalTokensShareTheRequestsWithinTheirBudgetsAndARejectedOneIsSetAside() {
        String small = "ghp_smallBudgetToken000000000000000000";
        String large = "ghp_largeBudgetToken111111111111111111";
        String rejected = "ghp_rejectedToken22222222222222222222";
        github.tokenBudget(small, SMALL_BUDGET).tokenBudget(large, LARGE_BUDGET).rejectToken(rejected);
        Map<String, dev.ghactivity.testkit.SyntheticActivity> acme = new TreeMap<>();
        for (int i = 0; i < 12; i++) {
            acme.put("acme/r" + i, github.serveSyntheticActivity("acme/r" + i, 3 + i % 4, 2 + i % 3, i));
        }
        ProducerAppConfig config = config().token(GitHubToken.of(List.of(small, large, rejected)))
                .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of(), false, false)).build();
        try (GitHubActivityProducer producer = producer(config)) {
            IngestReport report = producer.pollOnce();
            assertThat(report.allIngested()).as(report.toString()).isTrue();
        }
        assertCommitsExact(acme);
        assertThat(github.requestsPastLimit(small)).isZero();
        assertThat(github.requestsPastLimit(large)).isZero();
        // The large token goes first until it has no more left than the small one, then both share: neither past its budget.
        assertThat(github.requestsWith(small)).isBetween(2L, (long) SMALL_BUDGET);
        assertThat(github.requestsWith(large)).isGreaterThan(LARGE_BUDGET - SMALL_BUDGET).isLessThanOrEqualTo(LARGE_BUDGET);
        assertThat(github.requestsWith(small) + github.requestsWith(large) + 1).isEqualTo(github.requests().size());
        assertThat(github.requestsWith(rejected)).isEqualTo(1); // set aside after its first 401
        assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("token 3 of 3") && m.contains("set aside"))
                .allMatch(m -> !m.contains(small) && !m.contains(large) && !m.contains(rejected));
        assertThat(sleeper.sleeps).isEmpty(); // never waited for a reset: some token always had budget
    }

    private static final int SMALL_BUDGET = 10;
    /** With 12 small repositories the poll needs 25 requests: more than either budget, less than both. */
    private static final int LARGE_BUDGET = 20;

    /**
     * Issue 17: a large backfill goes on in slices of pages, so the small repositories of the organization are
     * published before it ends, whatever their order; every repository exact, the large one counted once.
     */
    @Test
    void aLargeBackfillGoesOnInSlicesSoTheSmallRepositoriesComeFirst() {
        Map<String, dev.ghactivity.testkit.SyntheticActivity> acme = new TreeMap<>();
        acme.put("acme/a-large", github.serveSyntheticActivity("acme/a-large", 1000, 40, 7)); // first by name
        for (int i = 0; i < 6; i++) {
            acme.put("acme/small" + i, github.serveSyntheticActivity("acme/small" + i, 5 + i, 3, 20 + i));
        }
        // One repository at a time: the slices alone make the small ones come first (concurrently they need not wait at all).
        ProducerAppConfig config = config().perPage(50).backfillSlicePages(3).maxConcurrentRepos(1)
                .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of(), false, false)).build();
        try (GitHubActivityProducer producer = producer(config)) {
            IngestReport report = producer.pollOnce();
            assertThat(report.allIngested()).as(report.toString()).isTrue();
            assertThat(report.of("acme/a-large").commits()).isEqualTo(1000);
            IngestProgress.RepositoryProgress large = producer.progress().of("acme/a-large");
            assertThat(large.state()).isEqualTo(IngestProgress.State.UP_TO_DATE);
            assertThat(large.lastSuccessfulPoll()).isNotNull();
            assertThat(large.listings()).first().isEqualTo(new IngestProgress.ListingProgress("commits", 20, 20, 1000, 100.0, Duration.ZERO, true));
            assertThat(producer.progress().snapshot()).hasSize(7).allMatch(p -> p.state() == IngestProgress.State.UP_TO_DATE);
        }
        // The first page of the backfill told its length (Link rel="last"): the log says where it stands.
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("progress: acme/a-large commits: page 1 of 20 (5.0 %), 50 items, ETA "));
        assertCommitsExact(acme);
        List<String> publishedRepos = committed(Topics.COMMITS).stream().map(r -> AvroSerdes.commitEvent().decode(r.value()).getRepo()).toList();
        int lastSmall = 0;
        for (int i = 0; i < publishedRepos.size(); i++) {
            if (publishedRepos.get(i).startsWith("acme/small")) {
                lastSmall = i;
            }
        }
        assertThat(publishedRepos.lastIndexOf("acme/a-large")).isGreaterThan(lastSmall);
        assertThat(publishedRepos.subList(lastSmall + 1, publishedRepos.size())).hasSizeGreaterThanOrEqualTo(1000 - 3 * 50)
                .allMatch("acme/a-large"::equals); // after its first slice, the rest of the large backfill came last
    }

    /**
     * Issue 17: --rate-limit-reserve: once the token is down to the reserve, a backfill that yielded waits for the
     * rate limit's reset (GitHub's budget comes back then) instead of spending what incremental polls need.
     */
    @Test
    void aBackfillWaitsForTheResetRatherThanSpendTheReserve() {
        String token = "ghp_reserveToken3333333333333333333333";
        int budget = 30;
        int reserve = 20;
        github.tokenBudget(token, budget);
        AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
        java.time.Clock clock = new java.time.Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return now.get();
            }
        };
        List<Integer> leftAtEachWait = new ArrayList<>();
        Sleeper untilReset = d -> {
            leftAtEachWait.add(github.tokenBudgetLeft(token));
            now.set(now.get().plus(d));
            github.tokenBudget(token, budget); // a new hour
        };
        dev.ghactivity.testkit.SyntheticActivity large = github.serveSyntheticActivity("acme/a-large", 1000, 10, 8);
        dev.ghactivity.testkit.SyntheticActivity small = github.serveSyntheticActivity("acme/small", 7, 3, 9);
        ProducerAppConfig config = config().token(GitHubToken.of(token)).perPage(50).backfillSlicePages(2).rateLimitReserve(reserve)
                .clock(clock).sleeper(untilReset)
                .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of(), false, false)).build();
        try (GitHubActivityProducer producer = producer(config)) {
            IngestReport report = producer.pollOnce();
            assertThat(report.allIngested()).as(report.toString()).isTrue();
            assertThat(report.of("acme/a-large").commits()).isEqualTo(large.commits());
            assertThat(report.of("acme/small").commits()).isEqualTo(small.commits());
        }
        assertThat(github.requestsPastLimit(token)).isZero();
        // The backfill needs more than one hour's budget, and it stopped each hour with the reserve (less a slice) left.
        assertThat(leftAtEachWait).isNotEmpty().allMatch(left -> left > reserve - 2 * 2 - 1 && left <= reserve, "the reserve kept");
    }

    /** Each synthetic repository's committed commits, per month, are exactly what it generated. */
    private void assertCommitsExact(Map<String, dev.ghactivity.testkit.SyntheticActivity> repositories) {
        repositories.forEach((repo, activity) -> {
            Map<String, Long> expected = new TreeMap<>();
            activity.expectedMonthlyCounts().forEach((month, c) -> {
                if (c[0] > 0) {
                    expected.put(month, c[0]);
                }
            });
            assertThat(byMonth(commits(), repo, CommitEvent::getRepo, CommitEvent::getAuthorDate, e -> true)).as(repo).isEqualTo(expected);
        });
    }

    private static String pullRequest(int number, String mergedAt) {
        return ",\"pull_request\":{\"url\":\"https://api.github.com/repos/org/r/pulls/" + number + "\",\"html_url\":\"https://github.com/org/r/pull/"
                + number + "\",\"merged_at\":" + (mergedAt == null ? "null" : "\"" + mergedAt + "\"") + "}";
    }
}
