package dev.ghactivity.bench;

import dev.ghactivity.local.LocalStack;
import dev.ghactivity.local.LocalStackConfig;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Figure 5: the whole local stack (broker, streams-app at commit interval 100 ms, Connect with both
 * sinks) after a small backfill; one commit event at a time is published straight to {@code
 * github.commits}, and the clock runs until its month's row in SQLite shows it. Even samples open a new
 * month (a row appears), odd ones add a commit to the month before (a row changes).
 */
final class LatencyBenchmark {
    private static final String REPO = "bench/latency";
    private static final int WARMUPS = 6;

    private final int samples;
    private final Path work;

    LatencyBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.samples = sizes.latencySamples();
        this.work = work;
    }

    void run(Results results) throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity(REPO, 10, 0, 3);
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl()).dataDir(work.resolve("latency")).httpPort(0)
                    .s3FlushInterval(Duration.ofSeconds(10)).build(); // as the CLI runs continuously
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                stack.ingestOnce();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                List<Long> repartitioned = new ArrayList<>();
                List<Long> emitted = new ArrayList<>();
                List<Long> millis = measure(stack, repartitioned, emitted);
                Collections.sort(millis);
                Collections.sort(repartitioned);
                Collections.sort(emitted);
                long p50 = percentile(millis, 50);
                long p99 = percentile(millis, 99);
                results.add(new Results.Row("5 end to end: event -> SQLite row", "p50 " + p50 + " ms, p99 " + p99 + " ms",
                        String.format(Locale.ROOT, "%d events, commit interval 100 ms", millis.size()), "-", "p99 < 250 ms",
                        p99 < 250 ? "pass" : "MISS"));
                results.note(String.format(Locale.ROOT, "5 latency: %d warm-up + %d events, one at a time, producer linger 0, SQLite polled every 2 ms; "
                        + "min %d ms, p90 %d ms, max %d ms; the S3 sink runs too (flush interval 10 s, as the CLI runs continuously).",
                        WARMUPS, millis.size(), millis.get(0), percentile(millis, 90), millis.get(millis.size() - 1)));
                results.note(String.format(Locale.ROOT, "5 latency, where it goes: the change committed to the repartition topic "
                                + "(streams-app, first commit) p50 %d ms, p90 %d ms; the row committed to %s (second commit) p50 %d ms, "
                                + "p90 %d ms; the rest is Connect and SQLite (both read with read_committed consumers polling every ms).",
                        percentile(repartitioned, 50), percentile(repartitioned, 90), Topics.MONTHLY_ACTIVITY,
                        percentile(emitted, 50), percentile(emitted, 90)));
            }
        }
    }

    private List<Long> measure(LocalStack stack, List<Long> repartitioned, List<Long> emitted) throws Exception {
        List<Long> millis = new ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", stack.bootstrapServers(), "linger.ms", 0, "acks", "all");
        String repartition = LocalStack.STREAMS_APPLICATION_ID + "-contributions-by-repo-repartition";
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
             Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.sqlitePath());
             Arrivals arrivals = new Arrivals(stack.bootstrapServers(), List.of(repartition, Topics.MONTHLY_ACTIVITY))) {
            YearMonth first = YearMonth.of(1990, 1);
            for (int i = 0; i < WARMUPS + samples; i++) {
                // 0: month 0 gets its first commit; 1: month 0 its second; 2: month 1 its first; ...
                YearMonth month = first.plusMonths(i / 2);
                long expected = i % 2 + 1;
                Instant at = month.atDay(1 + i % 2).atTime(12, 0).toInstant(ZoneOffset.UTC);
                CommitEvent c = CommitEvent.newBuilder().setRepo(REPO).setSha(String.format(Locale.ROOT, "%040x", 1_000_000 + i))
                        .setAuthorName("a").setAuthorEmail("a@example.org").setAuthorLogin("a").setAuthorDate(at).setCommitterDate(at)
                        .setMessageHeadline("latency probe " + i).setParentsCount(1).setHtmlUrl(null).setIngestedAt(Instant.now()).build();
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(REPO, c.getSha()), AvroSerdes.commitEvent().encode(c)));
                awaitCommits(db, REPO, month.toString(), expected, t0);
                if (i >= WARMUPS) {
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                    repartitioned.add((arrivals.firstAfter(repartition, t0) - t0) / 1_000_000);
                    emitted.add((arrivals.firstAfter(Topics.MONTHLY_ACTIVITY, t0) - t0) / 1_000_000);
                }
            }
        }
        return millis;
    }

    /**
     * When records become visible to a read_committed consumer of some topics (the committed output of each streams-app
     * commit), noted by a thread that polls every millisecond from the topics' ends.
     */
    private static final class Arrivals implements AutoCloseable {
        private final Map<String, List<Long>> seen = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread;

        Arrivals(String bootstrapServers, List<String> topics) throws InterruptedException {
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
            topics.forEach(t -> seen.put(t, new java.util.concurrent.CopyOnWriteArrayList<>()));
            Map<String, Object> props = Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed",
                    "enable.auto.commit", false, "fetch.max.wait.ms", 1);
            thread = new Thread(() -> {
                try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                        props, new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                    List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
                    topics.forEach(t -> consumer.partitionsFor(t).forEach(p -> partitions.add(new org.apache.kafka.common.TopicPartition(t, p.partition()))));
                    consumer.assign(partitions);
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    ready.countDown();
                    while (running.get()) {
                        for (var r : consumer.poll(Duration.ofMillis(1))) {
                            seen.get(r.topic()).add(System.nanoTime());
                        }
                    }
                }
            }, "latency-arrivals");
            thread.setDaemon(true);
            thread.start();
            ready.await();
        }

        /** When the first record of {@code topic} was seen after {@code nanos}; waits for it up to 10 s. */
        long firstAfter(String topic, long nanos) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                java.util.Optional<Long> first = seen.get(topic).stream().filter(t -> t >= nanos).min(Long::compare);
                if (first.isPresent()) {
                    return first.get();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no record of " + topic + " seen");
                }
                Thread.sleep(1);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /** Polls SQLite every 2 ms until the month's row shows {@code expected} commits; 30 s after {@code startNanos} it gives up. */
    static void awaitCommits(Connection db, String repo, String month, long expected, long startNanos) throws InterruptedException {
        while (commitsOf(db, repo, month) != expected) {
            if (System.nanoTime() - startNanos > Duration.ofSeconds(30).toNanos()) {
                throw new IllegalStateException("the row of " + repo + " " + month + " never showed " + expected + " commits");
            }
            Thread.sleep(2);
        }
    }

    private static long commitsOf(Connection db, String repo, String month) {
        try (PreparedStatement ps = db.prepareStatement("SELECT commits FROM monthly_activity WHERE repo = ? AND month = ?")) {
            ps.setString(1, repo);
            ps.setString(2, month);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            return -1; // table not there yet, or busy: look again
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
