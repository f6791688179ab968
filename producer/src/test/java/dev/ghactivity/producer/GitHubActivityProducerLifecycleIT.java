package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The producer's transactions through a broker outage and a shutdown, on a real KRaft broker with the real
 * {@link KafkaProducer} (a {@code MockProducer} allows what the real client refuses): a commit that times out is
 * retried until it commits, exactly once; {@code close()} during an hour-long rate-limit wait ends at once and
 * aborts the open transaction. Each test uses its own repositories and transactional.id on one broker.
 */
class GitHubActivityProducerLifecycleIT {
    @TempDir
    static Path dir;
    static volatile EmbeddedKafkaBroker broker;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger projectLogger = (Logger) LoggerFactory.getLogger("dev.ghactivity");

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
        broker.createTopics(Topics.definitions(2, (short) 1));
        // The first transactional producer makes the broker create its transaction state topic, which takes longer
        // than the 1 s max.block.ms some tests use: have it made before.
        try (KafkaProducer<String, byte[]> first = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lifecycle-warm-up"), new StringSerializer(), new ByteArraySerializer())) {
            first.initTransactions();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void captureLogs() {
        logs.start();
        projectLogger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        projectLogger.detachAppender(logs);
    }

    private static ProducerAppConfig.Builder config(FakeGitHub github, String transactionalId, String... repos) {
        return ProducerAppConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .githubApiUrl(github.apiUrl())
                .repositories(Arrays.stream(repos).map(RepositoryName::parse).toList())
                .transactionalId(transactionalId);
    }

    /** The broker is stopped at once and started again on the same ports after {@code downFor}, in the background. */
    private static CompletableFuture<Void> outage(Duration downFor) {
        broker.close();
        return CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(downFor.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            broker = broker.restart();
        });
    }

    @Test
    void theRealClientRefusesAnAbortAfterACommitTimedOutAndCompletesTheCommitWhenRetried() throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lifecycle-client",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.COMMITS, "org/client@0000000000000000000000000000000000000001", new byte[] {1}));
            producer.flush();
            CompletableFuture<Void> back = outage(Duration.ofSeconds(2));
            assertThatThrownBy(producer::commitTransaction).isInstanceOf(TimeoutException.class);
            // What the producer did before: abort after a failed commit. The real client refuses (MockProducer allows it).
            assertThatThrownBy(producer::abortTransaction).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("commitTransaction");
            back.get(60, TimeUnit.SECONDS);
            // Retried, as the KafkaProducer javadoc says, until the client has found the broker again: the same commit completes.
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreException(TimeoutException.class).until(() -> {
                producer.commitTransaction();
                return true;
            });
        }
        assertThat(committedKeys(Topics.COMMITS, "org/client@")).hasSize(1);
    }

    @Test
    void aCommitThatTimesOutIsRetriedUntilTheBrokerIsBackCommitsOnceWithItsCursorAndTheProducerGoesOn() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
            github.serveCommits("org/after", GitHubFixtures.EXAMPLE_COMMITS + ".json");
            ProducerAppConfig config = config(github, "lifecycle-commit", "org/tidbit", "org/after")
                    .kafkaProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000) // each commit attempt gives up after 1 s
                    .build();
            AtomicInteger commitCalls = new AtomicInteger();
            AtomicInteger commitTimeouts = new AtomicInteger();
            List<CompletableFuture<Void>> outages = new ArrayList<>();
            // The real client; only the moment of the outage is chosen: the broker goes down right before the first
            // commit (its records are on the broker, the commit request cannot get there) and is back 4 s later.
            KafkaProducer<String, byte[]> kafka = new KafkaProducer<>(TransactionalPublisher.kafkaProperties(config),
                    new StringSerializer(), new ByteArraySerializer()) {
                @Override
                public void commitTransaction() {
                    if (commitCalls.incrementAndGet() == 1) {
                        flush();
                        outages.add(outage(Duration.ofSeconds(4)));
                    }
                    try {
                        super.commitTransaction();
                    } catch (TimeoutException e) {
                        commitTimeouts.incrementAndGet();
                        throw e;
                    }
                }
            };
            IngestReport report;
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config, kafka,
                    IngestCursorStore.load(broker.bootstrapServers(), Map.of()))) {
                report = producer.pollOnce();
                assertThat(producer.pollOnce().allIngested()).as("and it polls on").isTrue();
            }
            outages.get(0).get(60, TimeUnit.SECONDS);

            assertThat(commitTimeouts.get()).as("commit attempts that timed out while the broker was down").isGreaterThanOrEqualTo(2);
            assertThat(report.allIngested()).isTrue();
            assertThat(report.of("org/tidbit").commits()).isEqualTo(30);
            assertThat(report.of("org/after").commits()).isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.EXAMPLE_COMMITS,
                    "commits_by_author_date_month_utc").values().stream().mapToLong(Long::longValue).sum());
            // Exactly once: every record of the committed transactions, not the latest per key.
            assertThat(committedKeys(Topics.COMMITS, "org/tidbit@")).hasSize(30).doesNotHaveDuplicates();
            // The cursor committed with the events (then the second poll's, with nothing new).
            List<IngestCursor> cursors = committedCursors("org/tidbit:commits");
            assertThat(cursors).first().extracting(IngestCursor::getItemsPublished).isEqualTo(30L);
            assertThat(cursors).allSatisfy(c -> {
                assertThat(c.getResumeUrl()).isNull();
                assertThat(c.getSince()).isEqualTo(java.time.Instant.parse("2018-06-15T23:48:16Z"));
            });
            assertThat(logs.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("committing the transaction timed out", "retrying the commit");
            });
            assertThat(logs.list).noneSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.ERROR));
        }
    }

    @Test
    void closeDuringAnHourLongRateLimitWaitReturnsWithinSecondsAndAbortsTheOpenTransaction() throws Exception {
        String transactionalId = "lifecycle-close";
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("org/limited", 450, 0, 5);
            // Page 1 answers "0 requests left, reset in an hour": its 100 commits are in the open transaction, and
            // the request for page 2 waits for the reset, with the real sleeper.
            github.exhaustRateLimitWhen(url -> url.encodedPath().endsWith("/commits"), Duration.ofHours(1));
            GitHubActivityProducer producer = new GitHubActivityProducer(config(github, transactionalId, "org/limited")
                    .maxTimePerTransaction(Duration.ofMinutes(5)).build());
            Thread loop = new Thread(producer::runUntilClosed, "poll-loop");
            loop.start();
            try (Admin admin = broker.admin()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> logs.list.stream()
                        .anyMatch(e -> e.getFormattedMessage().contains("rate limit reached (0 requests left); waiting 3")));
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> transactionState(admin, transactionalId) == TransactionState.ONGOING);

                long start = System.nanoTime();
                producer.close();
                loop.join(Duration.ofSeconds(10).toMillis());
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(loop.isAlive()).as("poll loop still running").isFalse();
                assertThat(took).as("time to close").isLessThan(Duration.ofSeconds(10));

                // Aborted by the producer itself: the coordinator took its abort (PrepareAbort, then CompleteAbort once the
                // markers are written), long before its 60 s transaction timeout, and no successor has started.
                assertThat(transactionState(admin, transactionalId)).isIn(TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_ABORT);
                Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> transactionState(admin, transactionalId) == TransactionState.COMPLETE_ABORT);
                assertThat(committedKeys(Topics.COMMITS, "org/limited@")).isEmpty();
                assertThat(committedCursors("org/limited:commits")).isEmpty();
                assertNothingPending(Topics.COMMITS);
            } finally {
                producer.close();
            }
            assertThat(logs.list).noneSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.ERROR));

            // A new producer with the same transactional.id proceeds, from the start (no cursor moved).
            try (GitHubActivityProducer successor = new GitHubActivityProducer(config(github, transactionalId, "org/limited").build())) {
                assertThat(successor.pollOnce().of("org/limited").commits()).isEqualTo(450);
            }
            assertThat(committedKeys(Topics.COMMITS, "org/limited@")).hasSize(450).doesNotHaveDuplicates();
            assertThat(committedCursors("org/limited:commits")).last().extracting(IngestCursor::getItemsPublished).isEqualTo(450L);
        }
    }

    @Test
    void aProducerProcessStoppedDuringAnHourLongRateLimitWaitExitsWithinSecondsAndAbortsItsTransaction() throws Exception {
        String transactionalId = "lifecycle-process";
        try (FakeGitHub github = FakeGitHub.start(); Admin admin = broker.admin()) {
            github.serveSyntheticActivity("org/process", 450, 0, 6);
            github.exhaustRateLimitWhen(url -> url.encodedPath().endsWith("/commits"), Duration.ofHours(1));
            Path out = dir.resolve("producer-process.log");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ProducerCli.class.getName(),
                    "--repo", "org/process", "--github-api-url", github.apiUrl(), "--bootstrap-servers", broker.bootstrapServers(),
                    "--transactional-id", transactionalId)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> java.nio.file.Files.readString(out)
                        .contains("rate limit reached (0 requests left); waiting 3"));
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> transactionState(admin, transactionalId) == TransactionState.ONGOING);

                long start = System.nanoTime();
                process.destroy(); // SIGTERM, as docker stop or Ctrl-C
                assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            } finally {
                process.destroyForcibly();
            }
            assertThat(java.nio.file.Files.readString(out)).contains("producer stopped").doesNotContain("ERROR");
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> transactionState(admin, transactionalId) == TransactionState.COMPLETE_ABORT);
            assertThat(committedKeys(Topics.COMMITS, "org/process@")).isEmpty();
            assertThat(committedCursors("org/process:commits")).isEmpty();
            assertNothingPending(Topics.COMMITS);
        }
    }

    private static TransactionState transactionState(Admin admin, String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get(30, TimeUnit.SECONDS).state();
    }

    /** No open transaction holds back a read_committed reader: its end offsets are the log's. */
    private static void assertNothingPending(String topic) {
        try (KafkaConsumer<String, byte[]> committed = consumer("read_committed");
             KafkaConsumer<String, byte[]> all = consumer("read_uncommitted")) {
            List<TopicPartition> tps = partitions(committed, topic);
            assertThat(committed.endOffsets(tps)).isEqualTo(all.endOffsets(tps));
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String isolation) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Every committed record of a topic (read_committed), in offset order per partition. */
    private static List<ConsumerRecord<String, byte[]>> committedRecords(String topic) {
        return EmbeddedKafkaBroker.readCommitted(broker.bootstrapServers(), topic);
    }

    private static List<String> committedKeys(String topic, String keyPrefix) {
        return committedRecords(topic).stream().map(ConsumerRecord::key).filter(k -> k.startsWith(keyPrefix)).toList();
    }

    /** Every committed cursor of a listing, oldest first. */
    private static List<IngestCursor> committedCursors(String key) {
        return committedRecords(Topics.INGEST_STATE).stream().filter(r -> r.key().equals(key))
                .map(r -> AvroSerdes.ingestCursor().decode(r.value())).toList();
    }
}
