package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestProgress;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.StreamsAppConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Figure 7d (issue 17, "time to the first counts"): as 7b, but with the streams-app counting in the same JVM against the
 * same broker, and the clock running from the start of the poll until the small repository's first row of {@code
 * github.monthly-activity} is committed, and until its last (every month counted: its final counts), with the large
 * backfill going on all that time, against the small repository polled alone. Before each run the streams-app has
 * caught up with everything published so far, so every run starts from an idle streams-app; the large repository's
 * backfill goes on from its cursor in each "beside" run. Figure 7e: the small repository alone again, but with a backlog
 * of another repository's commits written straight to the input topic just before, to show what partition order costs
 * when the streams-app is behind.
 */
final class FirstCountsBenchmark {
    private static final String APPLICATION_ID = "bench-first-counts";
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String BACKLOG_REPO = "bench/backlog";

    private final int warmups;
    private final int trials;
    private final int smallCommits;
    private final int smallIssues;
    private final String large;
    private final Path work;
    private final String githubApiUrl;
    private final int backlog;
    private int producers;
    private int backlogWritten;

    /** One run: seconds from the poll's start until published (7b's end), first row, final rows; large commits published. */
    record Run(double published, double firstCounts, double finalCounts, long largeCommits, double drainedBefore, long lagAtStart,
               long lagAtPublished) {
    }

    FirstCountsBenchmark(int warmups, int trials, int smallCommits, int smallIssues, String large, int backlog, Path work,
                         String githubApiUrl) {
        this.backlog = backlog;
        this.warmups = warmups;
        this.trials = trials;
        this.smallCommits = smallCommits;
        this.smallIssues = smallIssues;
        this.large = large;
        this.work = work;
        this.githubApiUrl = githubApiUrl;
    }

    static String small(String variant, int trial) {
        return "bench/small-counted-" + variant + "-" + trial;
    }

    void run(Results results, int concurrency) throws Exception {
        Map<Integer, Run> beside = new ConcurrentHashMap<>();
        Map<Integer, Run> alone = new ConcurrentHashMap<>();
        List<Run> behind = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-first-counts"))) {
            broker.createTopics(Topics.definitions(3, (short) 1));
            try (MonthlyActivityApp app = new MonthlyActivityApp(StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId(APPLICATION_ID).stateDir(work.resolve("state-" + APPLICATION_ID)).build());
                 MonthlyRows rows = new MonthlyRows(broker.bootstrapServers(), smallCommits, smallIssues)) {
                app.start();
                app.awaitRunning(Duration.ofMinutes(2));
                Trials.alternate(warmups, trials,
                        trial -> keep(beside, trial, untilCounted(broker, app, rows, small("beside", trial), true, concurrency, 0)),
                        trial -> keep(alone, trial, untilCounted(broker, app, rows, small("alone", trial), false, concurrency, 0)));
                for (int trial = warmups; trial < warmups + trials; trial++) {
                    behind.add(untilCounted(broker, app, rows, small("behind", trial), false, concurrency, backlog));
                }
            }
        }
        List<Run> b = measured(beside);
        List<Run> a = measured(alone);
        double firstBeside = median(b, Run::firstCounts);
        double firstAlone = median(a, Run::firstCounts);
        double finalBeside = median(b, Run::finalCounts);
        double finalAlone = median(a, Run::finalCounts);
        results.info("7d small repo's first counts, large backfilling", String.format(Locale.ROOT, "%.2f s beside the backfill", firstBeside),
                String.format(Locale.ROOT, "%.2f s alone", firstAlone), Results.ratio(firstBeside / firstAlone));
        results.info("7d small repo's final counts (all months)", String.format(Locale.ROOT, "%.2f s beside the backfill", finalBeside),
                String.format(Locale.ROOT, "%.2f s alone", finalAlone), Results.ratio(finalBeside / finalAlone));
        results.note(String.format(Locale.ROOT, "7d: as 7b (--max-concurrent-repos %d), with the streams-app (commit interval 100 ms, one "
                        + "stream thread, 3 input partitions) counting in the same JVM against the same broker; from the start of the poll "
                        + "until the small repository's first row of %s is committed (read_committed), and until the rows of all its "
                        + "months add up to %,d commits and %,d issues and pull requests (its final counts); the large backfill runs "
                        + "on until then. Each run starts with the streams-app caught up (no lag on its input and repartition "
                        + "partitions). %d warm-up + %d runs, medians. Beside: published %s s, first counts %s s, final counts %s s, "
                        + "large commits published during the run %s, streams-app records not yet read (input and repartition) when the "
                        + "small one was published %s, streams-app catching up before the run %s s. Alone: published %s s, first "
                        + "counts %s s, final counts %s s, records not yet read when published %s.",
                concurrency, Topics.MONTHLY_ACTIVITY, smallCommits, smallIssues, warmups, trials,
                list(b, Run::published), list(b, Run::firstCounts), list(b, Run::finalCounts), counts(b, Run::largeCommits),
                counts(b, Run::lagAtPublished), list(b, Run::drainedBefore), list(a, Run::published), list(a, Run::firstCounts),
                list(a, Run::finalCounts), counts(a, Run::lagAtPublished)));
        reportBehind(results, behind, a);
    }

    private void reportBehind(Results results, List<Run> behind, List<Run> alone) {
        double first = median(behind, Run::firstCounts);
        double last = median(behind, Run::finalCounts);
        results.info("7e the same alone, streams-app behind", String.format(Locale.ROOT, "%.2f s first, %.2f s final counts", first, last),
                String.format(Locale.ROOT, "%.2f s, %.2f s (7d alone)", median(alone, Run::firstCounts), median(alone, Run::finalCounts)),
                Results.ratio(first / median(alone, Run::firstCounts)));
        results.note(String.format(Locale.ROOT, "7e: why a backlog matters (Kafka partition order): as 7d alone, but %,d commit events of "
                        + "another repository are written straight to %s (3 partitions, keys spread over all) just before the poll starts, so "
                        + "the small repository's records sit behind them in every partition; the streams-app reads each partition in "
                        + "order. %d runs, medians; records not yet read when the poll started %s; first counts %s s, final counts %s s "
                        + "(published %s s).",
                backlog, Topics.COMMITS, trials, counts(behind, Run::lagAtStart), list(behind, Run::firstCounts),
                list(behind, Run::finalCounts), list(behind, Run::published)));
    }

    /** {@code n} commit events of {@code bench/backlog} over 300 months, published without a transaction, all acknowledged. */
    private void writeBacklog(EmbeddedKafkaBroker broker, int n) {
        Map<String, Object> props = Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 20, "batch.size", 256 * 1024,
                "compression.type", "lz4");
        YearMonth first = YearMonth.of(2000, 1);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                int id = backlogWritten++;
                Instant at = first.plusMonths(id % 300).atDay(1 + id % 28).atStartOfDay().toInstant(ZoneOffset.UTC);
                String sha = String.format(Locale.ROOT, "%040x", id);
                CommitEvent c = CommitEvent.newBuilder().setRepo(BACKLOG_REPO).setSha(sha).setAuthorName("Developer " + id % 50)
                        .setAuthorEmail("dev" + (id % 50) + "@example.org").setAuthorLogin("dev" + (id % 50)).setAuthorDate(at)
                        .setCommitterDate(at).setMessageHeadline("Change number " + id).setParentsCount(1).setHtmlUrl(null)
                        .setIngestedAt(Instant.now()).build();
                p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(BACKLOG_REPO, sha), AvroSerdes.commitEvent().encode(c)));
            }
            p.flush();
        }
    }

    private static double keep(Map<Integer, Run> runs, int trial, Run run) {
        runs.put(trial, run);
        return run.firstCounts();
    }

    private List<Run> measured(Map<Integer, Run> runs) {
        List<Run> kept = new ArrayList<>();
        for (int trial = warmups; trial < warmups + trials; trial++) {
            kept.add(runs.get(trial));
        }
        return kept;
    }

    /**
     * One run: waits until the streams-app has caught up, starts a poll of {@code small} (after the large repository,
     * when {@code beside}), and keeps time until the small repository is published, its first row and its final rows
     * are committed; then the poll is stopped (the large backfill goes on in the next run).
     */
    private Run untilCounted(EmbeddedKafkaBroker broker, MonthlyActivityApp app, MonthlyRows rows, String small, boolean beside,
                             int concurrency, int backlog) throws Exception {
        long drainStart = System.nanoTime();
        awaitCaughtUp(app);
        double drained = Trials.seconds(drainStart);
        if (backlog > 0) {
            writeBacklog(broker, backlog);
        }
        List<RepositoryName> repositories = new ArrayList<>();
        if (beside) {
            repositories.add(RepositoryName.parse(large));
        }
        repositories.add(RepositoryName.parse(small));
        GitHubActivityProducer producer = new GitHubActivityProducer(ProducerAppConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).githubApiUrl(githubApiUrl).token(GitHubToken.none()).repositories(repositories)
                .maxConcurrentRepos(concurrency).transactionalId("bench-first-counts-" + producers++).build());
        ExecutorService thread = Executors.newSingleThreadExecutor();
        double published = Double.NaN;
        double first = Double.NaN;
        long lagAtPublished = -1;
        long lagAtStart = -1;
        double last;
        IngestReport report;
        try {
            long t0 = System.nanoTime();
            lagAtStart = lag(app);
            Future<IngestReport> poll = thread.submit(producer::pollOnce);
            long deadline = t0 + TIMEOUT.toNanos();
            while (true) {
                if (Double.isNaN(published)) {
                    IngestProgress.RepositoryProgress p = producer.progress().of(small);
                    if (p != null && p.state() == IngestProgress.State.UP_TO_DATE) {
                        published = Trials.seconds(t0);
                        lagAtPublished = lag(app);
                    } else if (poll.isDone()) {
                        throw new IllegalStateException("the poll ended before " + small + " was up to date: " + poll.get());
                    }
                }
                Long firstRow = rows.first(small);
                if (Double.isNaN(first) && firstRow != null) {
                    first = (firstRow - t0) / 1e9;
                }
                Long finalRows = rows.complete(small);
                if (finalRows != null) {
                    last = (finalRows - t0) / 1e9;
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(small + " was not counted within " + TIMEOUT + ": " + rows.describe(small));
                }
                Thread.sleep(5);
            }
            producer.close();
            report = poll.get(120, TimeUnit.SECONDS);
        } finally {
            producer.close();
            thread.shutdownNow();
        }
        RepositoriesBenchmark.requirePublished(report, small, smallCommits, smallIssues);
        long largeCommits = beside ? report.of(large).commits() : 0;
        return new Run(published, first, last, largeCommits, drained, lagAtStart, lagAtPublished);
    }

    /**
     * Until the streams-app's main consumers have no lag on any partition (input and repartition topics) for 300 ms. Lag
     * as the consumer measures it (to the last stable offset, past aborted transactions and markers): committed
     * offsets would not do, as Streams commits nothing when all it read since was aborted records.
     */
    private static void awaitCaughtUp(MonthlyActivityApp app) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long idleSince = -1;
        while (true) {
            long lag = lag(app);
            if (lag == 0) {
                if (idleSince < 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > 300_000_000L) {
                    return;
                }
            } else {
                idleSince = -1;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the streams-app did not catch up within " + TIMEOUT + ": lag " + lag);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Records the streams-app's main consumers have yet to read, summed over their partitions (input and repartition),
     * from their {@code records-lag} metrics (as of each partition's last fetch); -1 before they have fetched.
     */
    private static long lag(MonthlyActivityApp app) {
        double lag = 0;
        int partitions = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : app.streams().metrics().entrySet()) {
            MetricName n = e.getKey();
            String client = n.tags().getOrDefault("client-id", "");
            if ("records-lag".equals(n.name()) && n.tags().containsKey("partition") && !client.endsWith("restore-consumer")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Double d && !d.isNaN()) {
                    lag += d;
                    partitions++;
                }
            }
        }
        return partitions == 0 ? -1 : (long) lag;
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        return Trials.median(runs.stream().map(value::applyAsDouble).toList());
    }

    private static String list(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        StringBuilder s = new StringBuilder();
        for (Run r : runs) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", value.applyAsDouble(r)));
        }
        return s.toString();
    }

    private static String counts(List<Run> runs, java.util.function.ToLongFunction<Run> value) {
        StringBuilder s = new StringBuilder();
        for (Run r : runs) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,d", value.applyAsLong(r)));
        }
        return s.toString();
    }

    /**
     * The committed rows of {@code github.monthly-activity} (read_committed, from the beginning), and when each
     * repository's first row and the row that completed its counts were seen ({@link System#nanoTime()}).
     */
    private static final class MonthlyRows implements AutoCloseable {
        private final Map<String, Map<String, MonthlyActivity>> latest = new ConcurrentHashMap<>();
        private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
        private final Map<String, Long> completeSeen = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        MonthlyRows(String bootstrapServers, long commits, long issues) throws InterruptedException {
            CountDownLatch ready = new CountDownLatch(1);
            Map<String, Object> props = Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed",
                    "enable.auto.commit", false, "fetch.max.wait.ms", 5);
            thread = new Thread(() -> {
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                    List<TopicPartition> partitions = new ArrayList<>();
                    consumer.partitionsFor(Topics.MONTHLY_ACTIVITY).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    ready.countDown();
                    while (running.get()) {
                        for (var r : consumer.poll(Duration.ofMillis(5))) {
                            long at = System.nanoTime();
                            MonthlyActivity row = AvroSerdes.monthlyActivity().decode(r.value());
                            String repo = row.getRepo().toString();
                            firstSeen.putIfAbsent(repo, at);
                            Map<String, MonthlyActivity> months = latest.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
                            months.put(row.getMonth().toString(), row);
                            long c = months.values().stream().mapToLong(MonthlyActivity::getCommits).sum();
                            long i = months.values().stream().mapToLong(m -> m.getIssuesOpened() + m.getPrsOpened()).sum();
                            if (c == commits && i == issues) {
                                completeSeen.putIfAbsent(repo, at);
                            }
                        }
                    }
                }
            }, "first-counts-rows");
            thread.setDaemon(true);
            thread.start();
            ready.await();
        }

        Long first(String repo) {
            return firstSeen.get(repo);
        }

        Long complete(String repo) {
            return completeSeen.get(repo);
        }

        String describe(String repo) {
            Map<String, MonthlyActivity> months = latest.getOrDefault(repo, Map.of());
            return months.size() + " months, " + months.values().stream().mapToLong(MonthlyActivity::getCommits).sum() + " commits";
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }
}
