package dev.ghactivity.local;

import static dev.ghactivity.local.PipelineOutputs.expectedRows;
import static dev.ghactivity.local.PipelineOutputs.s3Counts;
import static dev.ghactivity.local.PipelineOutputs.sqliteCounts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.embedded.EmbeddedKafkaCluster;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline (producer, streams-app, Connect with both sinks, S3 server, SQLite) on a 3-node KRaft
 * cluster with production replication (every topic, internal ones included, replication factor 3,
 * {@code min.insync.replicas} 2). The node leading {@code github.commits-0} is stopped in the middle of the
 * backfill and brought back a few seconds later: SQLite and S3 hold exactly the counts of the synthetic
 * history, every commit is on its topic exactly once, and every partition ends with three replicas in sync.
 */
class ThreeBrokerClusterIT {
    private static final Logger LOG = LoggerFactory.getLogger(ThreeBrokerClusterIT.class);
    private static final String REPO = "cluster/failover";
    private static final int COMMITS = 6000;
    private static final int ISSUES = 1500;

    @TempDir
    Path dir;

    @Test
    void stoppingTheLeaderOfOneOfThreeNodesMidBackfillLosesNothingAndDoublesNothing() throws Exception {
        long t0 = System.nanoTime();
        Path data = dir.resolve("data");
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(dir.resolve("kafka"), 3, Map.of());
             FakeGitHub github = FakeGitHub.start()) {
            SyntheticActivity activity = github.serveSyntheticActivity(REPO, COMMITS, ISSUES, 12);
            int pages = COMMITS / 100 + ISSUES / 100;
            // A backfill of ~20 s (a page every 250 ms): time to stop a node in it and bring it back (each takes ~5-8 s).
            github.delayNext(1000, Duration.ofMillis(250));
            LocalStackConfig config = LocalStackConfig.builder()
                    .repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl())
                    .dataDir(data)
                    .httpPort(0)
                    .kafkaBootstrapServers(cluster.bootstrapServers())
                    .replicationFactor((short) 3)
                    .s3FlushInterval(Duration.ofSeconds(1))
                    .build();
            int stopped;
            IngestReport report;
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                long backfillStart = System.nanoTime();
                CompletableFuture<IngestReport> backfill = CompletableFuture.supplyAsync(stack::ingestOnce);
                await().atMost(Duration.ofSeconds(60)).until(() -> github.requests().size() >= pages / 8 || backfill.isDone());
                assertThat(backfill).as("still backfilling when the node stops").isNotDone();

                stopped = leaderOf(cluster, new TopicPartition(Topics.COMMITS, 0));
                int requestsAtStop = github.requests().size();
                long stopStart = System.nanoTime();
                cluster.stopNode(stopped);
                LOG.info("stopped node {} after {} of ~{} GitHub requests in {} ms", stopped, requestsAtStop, pages, millisSince(stopStart));
                // The backfill goes on with two of three replicas (= min.insync.replicas).
                await().atMost(Duration.ofSeconds(60)).until(() -> github.requests().size() >= requestsAtStop + pages / 8 || backfill.isDone());
                int requestsWhileDown = github.requests().size() - requestsAtStop;
                long restartStart = System.nanoTime();
                cluster.restartNode(stopped);
                LOG.info("node {} back in {} ms; {} GitHub requests while it was down; backfill done then: {}",
                        stopped, millisSince(restartStart), requestsWhileDown, backfill.isDone());
                assertThat(requestsWhileDown).as("pages fetched and published while the node was down").isPositive();

                report = backfill.get(2, TimeUnit.MINUTES);
                LOG.info("backfill took {} ms: {}", millisSince(backfillStart), report);
                long drainStart = System.nanoTime();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                LOG.info("sinks caught up {} ms after the backfill", millisSince(drainStart));
            }
            assertThat(report.allIngested()).as(report.toString()).isTrue();
            assertThat(report.of(REPO).commits()).isEqualTo(COMMITS);
            assertThat(report.of(REPO).issues()).isEqualTo(ISSUES);

            // Nothing lost or doubled on the way in: each commit and each issue was committed to its topic exactly once.
            assertThat(committedKeys(cluster, Topics.COMMITS)).hasSize(COMMITS).doesNotHaveDuplicates();
            assertThat(committedKeys(cluster, Topics.ISSUES)).hasSize(ISSUES).doesNotHaveDuplicates();
            assertThat(committedKeys(cluster, Topics.MONTHLY_ACTIVITY_DLQ)).isEmpty();
            assertThat(committedKeys(cluster, Topics.STREAMS_DLQ)).isEmpty();

            // ...nor on the way out: whole monthly maps.
            Map<String, String> expected = expectedRows(activity, REPO);
            assertThat(sqliteCounts(data.resolve("ghactivity.db"))).isEqualTo(expected);
            assertThat(s3Counts(data)).isEqualTo(expected);

            // Every topic, the streams-app's changelogs and repartition topics, offsets and transactions included,
            // has three replicas, all in sync again after the node came back.
            cluster.awaitFullyReplicated(Duration.ofSeconds(60));
            Map<String, Integer> replicas = replicationFactors(cluster);
            assertThat(replicas).containsKeys(Topics.COMMITS, Topics.ISSUES, Topics.INGEST_STATE, Topics.MONTHLY_ACTIVITY,
                    Topics.MONTHLY_ACTIVITY_DLQ, Topics.STREAMS_DLQ, "__consumer_offsets", "__transaction_state");
            assertThat(replicas.keySet()).anyMatch(t -> t.startsWith(LocalStack.STREAMS_APPLICATION_ID + "-") && t.endsWith("-changelog"));
            assertThat(replicas).allSatisfy((topic, factor) -> assertThat(factor).as(topic).isEqualTo(3));
            LOG.info("cluster test: {} commits, {} issues, {} months, node {} stopped and back, {} ms in all",
                    COMMITS, ISSUES, expected.size(), stopped, millisSince(t0));
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static int leaderOf(EmbeddedKafkaCluster cluster, TopicPartition partition) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription d = admin.describeTopics(List.of(partition.topic())).allTopicNames().get().get(partition.topic());
            return d.partitions().get(partition.partition()).leader().id();
        }
    }

    /** topic -> replication factor (the smallest over its partitions) of every topic, internal ones included. */
    private static Map<String, Integer> replicationFactors(EmbeddedKafkaCluster cluster) throws Exception {
        try (Admin admin = cluster.admin()) {
            Collection<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
            Map<String, Integer> result = new TreeMap<>();
            admin.describeTopics(names).allTopicNames().get().forEach((name, d) -> result.put(name,
                    d.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0)));
            return result;
        }
    }

    /** Keys of every committed record of {@code topic}, in offset order per partition. */
    private static List<String> committedKeys(EmbeddedKafkaCluster cluster, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<String> keys = new ArrayList<>();
            Set<TopicPartition> done = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (done.size() < partitions.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    keys.add(r.key());
                }
                partitions.stream().filter(p -> consumer.position(p) >= end.get(p)).forEach(done::add);
            }
            assertThat(done).as("read " + topic + " to its end").hasSize(partitions.size());
            return keys;
        }
    }
}
