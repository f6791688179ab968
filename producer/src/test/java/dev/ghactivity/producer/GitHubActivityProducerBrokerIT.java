package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The producer against a real KRaft broker: exactly the fixtures' records, nothing twice, nothing past a failed transaction. */
class GitHubActivityProducerBrokerIT {
    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static int topicSet;

    /** Fresh topics per test: the broker is shared, prefixes are not supported by Topics, so delete+create. */
    private static void freshTopics() throws Exception {
        FreshTopics.recreate(broker, 2);
        topicSet++;
    }

    private ProducerAppConfig.Builder config(FakeGitHub github, String... repos) {
        return ProducerAppConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .githubApiUrl(github.apiUrl())
                .repositories(java.util.Arrays.stream(repos).map(RepositoryName::parse).toList())
                .transactionalId("test-producer-" + topicSet)
                .retries(3, Duration.ofMillis(1), Duration.ofMillis(5))
                .sleeper(d -> { });
    }

    @Test
    void extraKafkaPropertiesReachEveryClientOfTheProducer() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
            // Nothing listens on port 1: only the property's bootstrap.servers can reach the broker, for the
            // transactional producer and for the consumer that reads the cursors back alike.
            ProducerAppConfig config = config(github, "org/tidbit").bootstrapServers("127.0.0.1:1")
                    .kafkaProperty("bootstrap.servers", broker.bootstrapServers()).build();
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
                assertThat(producer.pollOnce().of("org/tidbit").commits()).isEqualTo(30);
            }
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
                IngestReport again = producer.pollOnce();
                assertThat(again.allIngested()).isTrue();
                assertThat(again.of("org/tidbit").commits()).isZero(); // the cursor was read back
            }
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).hasSize(30);
        }
    }

    @Test
    void backfillPublishesExactlyTheFixturesRecordsAndASecondPollPublishesNothing() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveRecordedIssues("org/recorded");
            github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
            github.serveCommits("org/example", GitHubFixtures.EXAMPLE_COMMITS + ".json");
            github.serveIssues("org/example", GitHubFixtures.EXAMPLE_ISSUES + ".json");
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/recorded", "org/tidbit", "org/example").build())) {
                IngestReport report = producer.pollOnce();
                assertThat(report.allIngested()).isTrue();
                assertThat(report.of("org/tidbit").commits()).isEqualTo(30);
                assertThat(report.of("org/recorded").issues()).isEqualTo(13);
            }
            Map<String, CommitEvent> commits = readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode);
            Map<String, IssueEvent> issues = readAll(Topics.ISSUES, AvroSerdes.issueEvent()::decode);
            assertThat(commitsByMonth(commits, "org/tidbit"))
                    .isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
            assertThat(commitsByMonth(commits, "org/example"))
                    .isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.EXAMPLE_COMMITS, "commits_by_author_date_month_utc"));
            assertThat(issuesByMonth(issues, "org/recorded", false))
                    .isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.PAGINATED_ISSUES, "issues_excluding_prs_by_created_month_utc"));
            assertThat(issuesByMonth(issues, "org/example", true))
                    .isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.EXAMPLE_ISSUES, "pull_requests_by_created_month_utc"));
            assertThat(commits).containsKey("org/tidbit@7cdd62707f785824b216a1630ca08761bfbbfcd8");
            assertThat(issues).containsKeys("org/recorded#1", "org/recorded#13");
            Map<String, IngestCursor> cursors = readAll(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode);
            assertThat(cursors.get("org/tidbit:commits").getResumeUrl()).isNull();
            assertThat(cursors.get("org/tidbit:commits").getSince()).isEqualTo(java.time.Instant.parse("2018-06-15T23:48:16Z"));

            long[] before = endOffsets();
            int requests = github.requests().size();
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/recorded", "org/tidbit", "org/example").build())) {
                IngestReport again = producer.pollOnce();
                assertThat(again.allIngested()).isTrue();
                assertThat(again.repositories()).allSatisfy(r -> assertThat(r.commits() + r.issues()).as(r.repo()).isZero());
            }
            assertThat(github.requests().size()).isGreaterThan(requests);
            assertThat(github.requests().subList(requests, github.requests().size()))
                    .anySatisfy(r -> assertThat(r.getUrl().queryParameter("since")).isNotNull());
            long[] after = endOffsets();
            assertThat(after[0]).as("commit records").isEqualTo(before[0]);
            assertThat(after[1]).as("issue records").isEqualTo(before[1]);
        }
    }

    @Test
    void aFailureMidTransactionLeavesTheCursorWhereItWasAndARerunCompletesTheSameState() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("org/big", 450, 0, 1);
            // Page 3 of 5 answers 401: the open transaction (pages 1-2, one transaction) is aborted.
            github.failWhen(url -> "3".equals(url.queryParameter("page")), 401);
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/big")
                    .maxTimePerTransaction(Duration.ofMinutes(5)).build())) {
                assertThatThrownBy(producer::pollOnce).isInstanceOf(GitHubAuthenticationException.class);
            }
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).isEmpty();
            assertThat(readAll(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode)).isEmpty();

            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/big").build())) {
                assertThat(producer.pollOnce().of("org/big").commits()).isEqualTo(450);
            }
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).hasSize(450);
        }
    }

    @Test
    void aProducerThatDiesMidTransactionLeavesNothingVisibleAndItsSuccessorFencesItAndCompletesTheSameState() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("org/big", 450, 0, 3);
            github.failWhen(url -> "3".equals(url.queryParameter("page")), 503);
            // The first producer hangs in its retry wait with pages 1-2 sent in an open transaction: as good as dead,
            // it neither commits nor aborts. Its successor (same transactional.id) must not see or keep any of that.
            CountDownLatch hung = new CountDownLatch(1);
            CountDownLatch revive = new CountDownLatch(1);
            GitHubActivityProducer zombie = new GitHubActivityProducer(config(github, "org/big")
                    .maxTimePerTransaction(Duration.ofMinutes(5))
                    .sleeper(d -> {
                        hung.countDown();
                        revive.await();
                    }).build());
            ExecutorService thread = Executors.newSingleThreadExecutor();
            try {
                Future<IngestReport> zombieRun = thread.submit(zombie::pollOnce);
                assertThat(hung.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).isEmpty();
                assertThat(readAll(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode)).isEmpty();

                try (GitHubActivityProducer successor = new GitHubActivityProducer(config(github, "org/big").build())) {
                    assertThat(successor.pollOnce().of("org/big").commits()).isEqualTo(450);
                }
                revive.countDown();
                assertThatThrownBy(() -> zombieRun.get(60, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(KafkaException.class);
            } finally {
                revive.countDown();
                thread.shutdownNow();
                zombie.close();
            }
            Map<String, CommitEvent> commits = readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode);
            assertThat(commits).hasSize(450).allSatisfy((key, c) -> assertThat(key).isEqualTo("org/big@" + c.getSha()));
            IngestCursor cursor = readAll(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/big:commits");
            assertThat(cursor.getResumeUrl()).isNull();
            assertThat(cursor.getItemsPublished()).isEqualTo(450);
        }
    }

    @Test
    void aBackfillStoppedBetweenTransactionsResumesAtTheStoredPage() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("org/big", 1000, 0, 2);
            // Items 500 on fail every retry, also when asked for in smaller pages (100, 50, 25 per page, 3 attempts each).
            for (int i = 0; i < 9; i++) {
                github.failWhen(url -> url.queryParameter("page") != null
                        && (Integer.parseInt(url.queryParameter("page")) - 1) * Integer.parseInt(url.queryParameter("per_page")) == 500, 503);
            }
            // One page per transaction: pages 1-5 commit, page 6 fails every retry.
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/big").maxRecordsPerTransaction(100).build())) {
                assertThat(producer.pollOnce().of("org/big").outcome()).isEqualTo(IngestReport.Outcome.FAILED);
            }
            IngestCursor cursor = readAll(Topics.INGEST_STATE, AvroSerdes.ingestCursor()::decode).get("org/big:commits");
            assertThat(cursor.getResumeUrl()).contains("page=6");
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).hasSize(500);

            int requests = github.requests().size();
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/big").maxRecordsPerTransaction(100).build())) {
                assertThat(producer.pollOnce().allIngested()).isTrue();
            }
            assertThat(github.requests().get(requests).getUrl().queryParameter("page")).isEqualTo("6");
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).hasSize(1000);
        }
    }

    @Test
    void aMissingRepositoryIsSkippedWhileTheOtherIsIngested() throws Exception {
        freshTopics();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
            github.notFound("org/missing");
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config(github, "org/missing", "org/tidbit").build())) {
                IngestReport report = producer.pollOnce();
                assertThat(report.of("org/missing").outcome()).isEqualTo(IngestReport.Outcome.NOT_FOUND);
                assertThat(report.of("org/tidbit").outcome()).isEqualTo(IngestReport.Outcome.INGESTED);
                assertThat(report.failureSummary()).contains("org/missing").doesNotContain("org/tidbit");
            }
            assertThat(readAll(Topics.COMMITS, AvroSerdes.commitEvent()::decode)).hasSize(30);
        }
    }

    private static Map<String, Long> commitsByMonth(Map<String, CommitEvent> commits, String repo) {
        Map<String, Long> result = new TreeMap<>();
        commits.values().stream().filter(c -> c.getRepo().equals(repo))
                .forEach(c -> result.merge(YearMonth.from(c.getAuthorDate().atOffset(ZoneOffset.UTC)).toString(), 1L, Long::sum));
        return result;
    }

    private static Map<String, Long> issuesByMonth(Map<String, IssueEvent> issues, String repo, boolean pullRequests) {
        Map<String, Long> result = new TreeMap<>();
        issues.values().stream().filter(i -> i.getRepo().equals(repo) && i.getIsPullRequest() == pullRequests)
                .forEach(i -> result.merge(YearMonth.from(i.getCreatedAt().atOffset(ZoneOffset.UTC)).toString(), 1L, Long::sum));
        return result;
    }

    private static long[] endOffsets() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            long[] result = new long[2];
            int i = 0;
            for (String topic : List.of(Topics.COMMITS, Topics.ISSUES)) {
                List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
                result[i++] = c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            }
            return result;
        }
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Latest committed value per key of a topic. */
    private static <T> Map<String, T> readAll(String topic, java.util.function.Function<byte[], T> decode) {
        Map<String, T> result = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> tps = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    result.put(r.key(), decode.apply(r.value()));
                }
            }
        }
        return result;
    }
}
