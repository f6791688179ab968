package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubWebhookSender;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks after a crash. A stack killed (SIGKILL) in the middle of a burst of deliveries leaves its {@code -webhooks}
 * transaction open; restarted with {@code --once}, every delivery it answered 2xx is counted, once, and so is what the
 * restart polls after that transaction's offset (held back by an open transaction, read_committed readers would never
 * see it). A transaction held open by another producer makes {@code --once} stop with the line naming it, not succeed.
 */
class WebhookCrashIT {
    private static final String SECRET = "webhook-crash-secret";
    private static final String REPO = "codertocat/hello-world";
    private static final YearMonth FIRST_MONTH = YearMonth.of(1970, 1);
    private static final Pattern LISTENING = Pattern.compile("webhook receiver listening on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @Test
    void everyDeliveryAnsweredBeforeAKillCountsOnceAfterARestartWithOnce() throws Exception {
        Path data = dir.resolve("data");
        Path logs = Path.of("target", "it-logs", "webhook-crash");
        Set<YearMonth> sent = ConcurrentHashMap.newKeySet();
        Set<YearMonth> answered = ConcurrentHashMap.newKeySet();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommitItems(REPO, List.of());
            github.serveIssueItems(REPO, List.of());
            try (LocalStackProcess first = LocalStackProcess.start(logs, Map.of("GITHUB_WEBHOOK_SECRET", SECRET),
                    "--repo", "Codertocat/Hello-World", "--github-api-url", github.apiUrl(), "--data-dir", data.toString(),
                    "--partitions", "1", "--http-port", "0", "--webhook-port", "0", "--webhook-bind-address", "127.0.0.1")) {
                await().atMost(Duration.ofMinutes(3)).until(() -> first.stdout().contains("pipeline up") || !first.isAlive());
                Matcher port = LISTENING.matcher(first.stdout());
                assertThat(port.find()).as(LocalStackProcess.tail(first.stdout())).isTrue();
                GitHubWebhookSender sender = GitHubWebhookSender.local(Integer.parseInt(port.group(1)), SECRET);
                // Four senders at once, each issue opened in a month of its own: a month's count says how often it was counted.
                ExecutorService burst = Executors.newFixedThreadPool(4);
                AtomicInteger next = new AtomicInteger();
                for (int t = 0; t < 4; t++) {
                    burst.submit(() -> {
                        for (int i = next.getAndIncrement(); i < 600; i = next.getAndIncrement()) {
                            YearMonth month = FIRST_MONTH.plusMonths(i);
                            sent.add(month);
                            try {
                                if (sender.deliver("issues", "burst-" + i, openedIn(i, month)).status() == 200) {
                                    answered.add(month);
                                }
                            } catch (UncheckedIOException killed) {
                                return; // no answer: unknown whether it was committed
                            }
                        }
                    });
                }
                await().atMost(Duration.ofMinutes(2)).until(() -> answered.size() >= 40);
                first.kill();
                burst.shutdown();
                assertThat(burst.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
            }
            assertThat(sent.size()).as("killed in the middle of the burst").isLessThan(600);
            leaveOpenWebhookTransaction(data);

            // The restart polls one more issue: it lands after the open transaction on the single partition, so it is only
            // counted if the start aborts that transaction (the restart runs without a receiver, as it may).
            github.serveIssueItems(REPO, List.of("""
                    {"number": 9000, "state": "open", "title": "polled after the restart", "user": {"login": "Codertocat"},
                     "labels": [], "created_at": "2030-01-02T03:04:05Z", "updated_at": "2030-01-02T03:04:05Z", "closed_at": null,
                     "html_url": "https://github.com/Codertocat/Hello-World/issues/9000"}"""));
            try (LocalStackProcess second = LocalStackProcess.start(logs, Map.of(), "--repo", "Codertocat/Hello-World",
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--partitions", "1", "--once")) {
                assertThat(second.awaitExit(Duration.ofMinutes(5))).as(LocalStackProcess.tail(second.stdout()) + second.stderr()).isZero();
            }
        }
        Map<String, Long> opened = PipelineOutputs.sqliteCounts(data.resolve("ghactivity.db"),
                "SELECT repo, month, issues_opened FROM monthly_activity WHERE issues_opened > 0");
        Set<String> mustHave = new TreeSet<>(keys(answered));
        mustHave.add(REPO + "|2030-01");
        Set<String> mayHave = new TreeSet<>(keys(sent));
        mayHave.add(REPO + "|2030-01");
        assertThat(opened.keySet()).as("every delivery answered 200, and the polled issue").containsAll(mustHave)
                .as("nothing that was not sent").isSubsetOf(mayHave);
        assertThat(opened.values()).as("nothing doubled").containsOnly(1L);
    }

    @Test
    void aTransactionHeldOpenByAnotherProducerStopsTheOnceWaitWithTheLineNamingItAndItsAbortLetsTheRunFinish() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommitItems(REPO, List.of());
            github.serveIssueItems(REPO, List.of());
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse("Codertocat/Hello-World")))
                    .githubApiUrl(github.apiUrl()).dataDir(dir.resolve("data")).httpPort(0).partitions(1)
                    .s3FlushInterval(Duration.ofSeconds(1)).hangingTransactionGrace(Duration.ofSeconds(5)).build();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start();
                 KafkaProducer<String, byte[]> foreign = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                         ProducerConfig.TRANSACTIONAL_ID_CONFIG, "someone-else", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000),
                         new StringSerializer(), new ByteArraySerializer())) {
                foreign.initTransactions();
                foreign.beginTransaction();
                foreign.send(new ProducerRecord<>(Topics.ISSUES, "not/ours#1", new byte[] {1})).get();
                assertThat(stack.ingestOnce().allIngested()).isTrue();

                long t0 = System.nanoTime();
                assertThatThrownBy(() -> stack.awaitSinksCaughtUp(Duration.ofMinutes(3)))
                        .isInstanceOf(StuckPartException.class)
                        .hasMessageStartingWith("github.issues-0 is held by an open transaction of transactional.id \"someone-else\" "
                                + "(not one of this stack's) since offset 0 for ")
                        .hasMessageEndingWith(" s: read_committed readers (the streams-app) stop there, so records committed after it "
                                + "are not counted; have its producer commit or abort it, or abort it: kafka-transactions.sh "
                                + "--bootstrap-server " + stack.bootstrapServers() + " abort --topic github.issues --partition 0 --start-offset 0 ("
                                + stack.bootstrapServers() + " is this stack's embedded broker: it answers only while the stack runs, so "
                                + "start the stack again without --once on the same --data-dir, which listens at the same address, and "
                                + "run the command meanwhile)");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("after the grace, long before the timeout").isLessThan(Duration.ofMinutes(1));

                foreign.abortTransaction();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(3));
            }
        }
    }

    /**
     * What a kill during a commit leaves, made certain whatever the moment of the kill was: a transaction open under the
     * receiver's transactional.id, holding github.issues-0, with a timeout (15 min) the restart cannot outwait. Its
     * issue (opened 2031-01) must never be counted.
     */
    private static void leaveOpenWebhookTransaction(Path data) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data.resolve("kafka"))) {
            KafkaProducer<String, byte[]> killed = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ghactivity-producer-webhooks", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000),
                    new StringSerializer(), new ByteArraySerializer());
            killed.initTransactions();
            killed.beginTransaction();
            Instant at = Instant.parse("2031-01-01T00:00:00Z");
            IssueEvent never = IssueEvent.newBuilder().setRepo(REPO).setNumber(7777).setIsPullRequest(false).setState("open")
                    .setTitle("never committed").setUserLogin("u").setCreatedAt(at).setUpdatedAt(at).setClosedAt(null)
                    .setMergedAt(null).setLabels(List.of()).setHtmlUrl(null).setIngestedAt(at).build();
            killed.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(REPO, 7777), AvroSerdes.issueEvent().encode(never))).get();
            killed.close(Duration.ZERO); // forced: no abort on the way out, as with SIGKILL
        }
    }

    /** issues_opened.json as issue {@code number}, opened (and last updated) in {@code month}. */
    private static byte[] openedIn(int number, YearMonth month) {
        String at = month.atDay(1).atStartOfDay() + ":00Z";
        return GitHubWebhookSender.fixture("issues_opened.json", root -> ((ObjectNode) root.get("issue"))
                .put("number", number + 1).put("created_at", at).put("updated_at", at));
    }

    private static Set<String> keys(Set<YearMonth> months) {
        Set<String> keys = new TreeSet<>();
        months.forEach(m -> keys.add(REPO + "|" + m));
        return keys;
    }
}
