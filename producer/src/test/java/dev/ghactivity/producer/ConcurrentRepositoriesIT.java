package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, scheduling: many repositories polled {@code --max-concurrent-repos} at a time through the one transactional
 * producer, against a real KRaft broker (records read back {@code read_committed}, every record counted, so a page
 * published twice would show) and a fake GitHub that answers after a latency and records how many repositories it was
 * answering at once.
 */
class ConcurrentRepositoriesIT {
    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    private static int topicSet;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** Fresh topics per test (the broker is shared), and a transactional.id of their own. */
    private static void freshTopics() throws Exception {
        try (var admin = broker.admin()) {
            var existing = admin.listTopics().names().get();
            List<String> ours = Topics.definitions(1, (short) 1).stream().map(t -> t.name()).filter(existing::contains).toList();
            if (!ours.isEmpty()) {
                admin.deleteTopics(ours).all().get();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().stream().noneMatch(ours::contains));
            }
        }
        broker.createTopics(Topics.definitions(2, (short) 1));
        topicSet++;
    }

    private static ProducerAppConfig.Builder config(FakeGitHub github) {
        return ProducerAppConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .githubApiUrl(github.apiUrl())
                .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of(), false, false))
                .transactionalId("concurrent-test-" + topicSet)
                .retries(3, Duration.ofMillis(1), Duration.ofMillis(5))
                .sleeper(d -> { });
    }

    /**
     * The issue's organization: 50 synthetic repositories, one large, 3 tokens with different budgets (one rejected),
     * 4 repositories at a time. Every repository's monthly commits and issues are exactly its history's, each item is
     * on its topic once (nothing published twice), no token is used past its budget, never more than 4 repositories
     * were asked at once (and 4 were), and every small repository was read before the large backfill ended.
     */
    @Test
    void fiftyRepositoriesFourAtATimeAreEachExactOnceWithinEveryTokensBudget() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            String small = "ghp_concurrentSmall000000000000000000";
            String large = "ghp_concurrentLarge111111111111111111";
            String rejected = "ghp_concurrentRejected22222222222222";
            // About 180 requests in all: more than the small budget, well within both, above the default reserve of 100.
            github.tokenBudget(small, 300).tokenBudget(large, 400).rejectToken(rejected).latency(Duration.ofMillis(20)); // answers take long enough that 4 threads overlap, even on a loaded machine
            Map<String, SyntheticActivity> acme = new TreeMap<>();
            acme.put("acme/large", github.serveSyntheticActivity("acme/large", 3000, 200, 50));
            for (int i = 0; i < 49; i++) {
                acme.put("acme/r" + i, github.serveSyntheticActivity("acme/r" + i, 1 + i % 7 * 6, 1 + i % 5 * 4, 100 + i));
            }
            ProducerAppConfig config = config(github).token(GitHubToken.of(List.of(small, large, rejected)))
                    .perPage(50).backfillSlicePages(4).maxConcurrentRepos(4).build();
            IngestReport report;
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
                report = producer.pollOnce();
            }
            assertThat(report.allIngested()).as(report.toString()).isTrue();
            assertThat(report.repositories()).hasSize(50);

            List<ConsumerRecord<String, byte[]>> commitRecords = readAll(Topics.COMMITS);
            List<ConsumerRecord<String, byte[]>> issueRecords = readAll(Topics.ISSUES);
            Map<String, CommitEvent> commits = latest(commitRecords, AvroSerdes.commitEvent()::decode);
            Map<String, IssueEvent> issues = latest(issueRecords, AvroSerdes.issueEvent()::decode);
            acme.forEach((repo, activity) -> {
                assertThat(report.of(repo).commits()).as(repo).isEqualTo(activity.commits());
                assertThat(report.of(repo).issues()).as(repo).isEqualTo(activity.issues());
                assertThat(monthly(commits, issues, repo)).as(repo).isEqualTo(expected(activity));
            });
            int allCommits = acme.values().stream().mapToInt(SyntheticActivity::commits).sum();
            int allIssues = acme.values().stream().mapToInt(SyntheticActivity::issues).sum();
            assertThat(commitRecords).as("each commit published once").hasSize(allCommits);
            assertThat(issueRecords).as("each issue published once").hasSize(allIssues);
            Map<String, IngestCursor> cursors = latest(readAll(Topics.INGEST_STATE), AvroSerdes.ingestCursor()::decode);
            assertThat(cursors).hasSize(100).allSatisfy((key, cursor) -> assertThat(cursor.getResumeUrl()).as(key).isNull());

            assertThat(github.requestsPastLimit(small)).isZero();
            assertThat(github.requestsPastLimit(large)).isZero();
            assertThat(github.requestsWith(large)).as("the large budget first, until it is down to the small one").isGreaterThan(100);
            assertThat(github.requestsWith(rejected)).isEqualTo(1); // one request learnt it is rejected, then it was set aside
            assertThat(github.maxRepositoriesInFlight()).isEqualTo(4);
            assertThat(github.maxRequestsInFlight()).as("each repository: its page and the next one fetched ahead").isLessThanOrEqualTo(8);
            Instant largeDone = lastRequest(github, "acme/large");
            acme.keySet().stream().filter(r -> !r.equals("acme/large"))
                    .forEach(repo -> assertThat(lastRequest(github, repo)).as(repo).isBefore(largeDone));
        }
    }

    /**
     * A small repository's incremental polls while a large repository backfills (hundreds of pages at 10 ms each):
     * one at a time or four, the small one is polled again within one poll interval of being due, every time.
     */
    @ParameterizedTest(name = "--max-concurrent-repos {0}")
    @ValueSource(ints = {1, 4})
    void aLargeBackfillNeverDelaysASmallRepositorysPollByMoreThanOnePollInterval(int maxConcurrentRepos) throws Exception {
        freshTopics();
        Duration interval = Duration.ofMillis(400);
        try (FakeGitHub github = FakeGitHub.start()) {
            github.latency(Duration.ofMillis(10));
            SyntheticActivity largeActivity = github.serveSyntheticActivity("acme/large", 6000, 0, 60);
            SyntheticActivity smallActivity = github.serveSyntheticActivity("acme/small", 5, 3, 61);
            ProducerAppConfig config = config(github).perPage(20).backfillSlicePages(5).maxConcurrentRepos(maxConcurrentRepos)
                    .pollInterval(interval).build();
            GitHubActivityProducer producer = new GitHubActivityProducer(config);
            ExecutorService loop = Executors.newSingleThreadExecutor();
            try {
                Future<?> running = loop.submit(producer::runUntilClosed);
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                        .until(() -> producer.progress().of("acme/large") != null // not tracked before the first discovery
                                && producer.progress().of("acme/large").state() == IngestProgress.State.UP_TO_DATE);
                producer.close();
                running.get(60, TimeUnit.SECONDS);
            } finally {
                producer.close();
                loop.shutdownNow();
            }
            List<FakeGitHub.TimedRequest> requests = github.timedRequests();
            Instant largeStart = requests.stream().filter(r -> path(r).startsWith("/repos/acme/large/")).findFirst().orElseThrow().at();
            Instant largeEnd = lastRequest(github, "acme/large");
            // Each incremental poll of the small repository starts with its head probe (commits?per_page=1).
            List<Instant> smallPolls = requests.stream()
                    .filter(r -> path(r).equals("/repos/acme/small/commits") && "1".equals(r.request().getUrl().queryParameter("per_page")))
                    .map(FakeGitHub.TimedRequest::at).filter(t -> t.isAfter(largeStart) && t.isBefore(largeEnd)).toList();
            Duration backfill = Duration.between(largeStart, largeEnd);
            assertThat(backfill).as("the backfill lasts several poll intervals").isGreaterThan(interval.multipliedBy(4));
            assertThat(smallPolls).as("small polls during the backfill").hasSizeGreaterThanOrEqualTo(2);
            for (int i = 1; i < smallPolls.size(); i++) {
                // Due one interval after the previous poll ended; it may wait at most one more interval.
                assertThat(Duration.between(smallPolls.get(i - 1), smallPolls.get(i))).as("gap before small poll %d", i)
                        .isLessThanOrEqualTo(interval.multipliedBy(2));
            }
            Map<String, CommitEvent> commits = latest(readAll(Topics.COMMITS), AvroSerdes.commitEvent()::decode);
            Map<String, IssueEvent> issues = latest(readAll(Topics.ISSUES), AvroSerdes.issueEvent()::decode);
            assertThat(monthly(commits, issues, "acme/large")).isEqualTo(expected(largeActivity));
            assertThat(monthly(commits, issues, "acme/small")).isEqualTo(expected(smallActivity));
        }
    }

    /**
     * Closed while four repositories are being fetched and their pages published (transactions of 200 records): the
     * open transaction is aborted, and a new producer (the cursors read back from the broker) completes every
     * repository. Every item is then on its topic exactly once: nothing lost, no page published twice.
     */
    @Test
    void closedInTheMiddleOfConcurrentFetchesLosesNothingAndTheRerunPublishesNothingTwice() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.latency(Duration.ofMillis(8));
            Map<String, SyntheticActivity> acme = new TreeMap<>();
            for (int i = 0; i < 8; i++) {
                acme.put("acme/r" + i, github.serveSyntheticActivity("acme/r" + i, 500 + 40 * i, 60 + 10 * i, 200 + i));
            }
            ProducerAppConfig config = config(github).perPage(50).maxConcurrentRepos(4).maxRecordsPerTransaction(200).build();
            GitHubActivityProducer first = new GitHubActivityProducer(config);
            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                Future<IngestReport> run = thread.submit(first::pollOnce);
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                        .until(() -> github.requests().size() >= 40);
                first.close();
                run.get(60, TimeUnit.SECONDS);
            } finally {
                first.close();
                thread.shutdownNow();
            }
            int allCommits = acme.values().stream().mapToInt(SyntheticActivity::commits).sum();
            int allIssues = acme.values().stream().mapToInt(SyntheticActivity::issues).sum();
            int committedBefore = readAll(Topics.COMMITS).size();
            assertThat(committedBefore).as("the first run was stopped half way").isBetween(1, allCommits - 1);

            try (GitHubActivityProducer second = new GitHubActivityProducer(config)) {
                IngestReport report = second.pollOnce();
                assertThat(report.allIngested()).as(report.toString()).isTrue();
            }
            List<ConsumerRecord<String, byte[]>> commitRecords = readAll(Topics.COMMITS);
            List<ConsumerRecord<String, byte[]>> issueRecords = readAll(Topics.ISSUES);
            assertThat(commitRecords).as("each commit once over both runs").hasSize(allCommits);
            assertThat(issueRecords).as("each issue once over both runs").hasSize(allIssues);
            Map<String, CommitEvent> commits = latest(commitRecords, AvroSerdes.commitEvent()::decode);
            Map<String, IssueEvent> issues = latest(issueRecords, AvroSerdes.issueEvent()::decode);
            acme.forEach((repo, activity) -> assertThat(monthly(commits, issues, repo)).as(repo).isEqualTo(expected(activity)));
            Map<String, IngestCursor> cursors = latest(readAll(Topics.INGEST_STATE), AvroSerdes.ingestCursor()::decode);
            acme.forEach((repo, activity) -> {
                assertThat(cursors.get(repo + ":commits").getItemsPublished()).as(repo).isEqualTo(activity.commits());
                assertThat(cursors.get(repo + ":commits").getResumeUrl()).as(repo).isNull();
            });
        }
    }

    private static String path(FakeGitHub.TimedRequest r) {
        return r.request().getUrl().encodedPath();
    }

    private static Instant lastRequest(FakeGitHub github, String repo) {
        List<FakeGitHub.TimedRequest> requests = github.timedRequests();
        Instant last = null;
        for (FakeGitHub.TimedRequest r : requests) {
            if (path(r).startsWith("/repos/" + repo + "/")) {
                last = r.at();
            }
        }
        return last;
    }

    /** Per month: commits, issues opened, issues closed, PRs opened, PRs merged (what the streams-app counts from these). */
    private static Map<String, List<Long>> monthly(Map<String, CommitEvent> commits, Map<String, IssueEvent> issues, String repo) {
        Map<String, long[]> counts = new TreeMap<>();
        commits.values().stream().filter(c -> c.getRepo().equals(repo)).forEach(c -> counts.computeIfAbsent(month(c.getAuthorDate()), m -> new long[5])[0]++);
        issues.values().stream().filter(i -> i.getRepo().equals(repo)).forEach(i -> {
            boolean pr = i.getIsPullRequest();
            counts.computeIfAbsent(month(i.getCreatedAt()), m -> new long[5])[pr ? 3 : 1]++;
            Instant resolved = pr ? i.getMergedAt() : i.getClosedAt();
            if (resolved != null) {
                counts.computeIfAbsent(month(resolved), m -> new long[5])[pr ? 4 : 2]++;
            }
        });
        Map<String, List<Long>> result = new TreeMap<>();
        counts.forEach((month, c) -> result.put(month, List.of(c[0], c[1], c[2], c[3], c[4])));
        return result;
    }

    /** The synthetic history's counts in {@link #monthly}'s shape (its distinct authors left out: not a per-record count). */
    private static Map<String, List<Long>> expected(SyntheticActivity activity) {
        Map<String, List<Long>> result = new TreeMap<>();
        activity.expectedMonthlyCounts().forEach((month, c) -> result.put(month, List.of(c[0], c[2], c[3], c[4], c[5])));
        return result;
    }

    private static String month(Instant t) {
        return YearMonth.from(t.atOffset(ZoneOffset.UTC)).toString();
    }

    private static <T> Map<String, T> latest(List<ConsumerRecord<String, byte[]>> records, java.util.function.Function<byte[], T> decode) {
        Map<String, T> result = new HashMap<>();
        records.forEach(r -> result.put(r.key(), decode.apply(r.value())));
        return result;
    }

    /** Every committed record of a topic, in offset order per partition. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return EmbeddedKafkaBroker.readCommitted(broker.bootstrapServers(), topic);
    }
}
