package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestProgress;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Figure 7, many repositories (issue 17): (a) GitHub requests per 1,000 items published, in a backfill against the
 * fewest possible (one request per 100-item page), and in the steady state (polls that find nothing new); (b) the time
 * until a small repository is completely published (its records and cursors committed: its first counts can be made)
 * while a large repository backfills, against the same small repository polled alone. The fake GitHub runs in a JVM of
 * its own and answers each request after {@value #LATENCY_MS} ms, a GitHub round trip; the producer runs with its
 * default {@code --max-concurrent-repos}, and once with 1 for comparison. (d) the same as (b) until the small repository's
 * first and final counts, with the streams-app running: {@link FirstCountsBenchmark}.
 */
final class RepositoriesBenchmark {
    static final long LATENCY_MS = 20;
    private static final int REQUEST_REPOSITORIES = 8;
    private static final int SMALL_COMMITS = 2_000;
    private static final int SMALL_ISSUES = 200;
    private static final String LARGE = "bench/large";

    private final int requestCommits;
    private final int largeCommits;
    private final int warmups;
    private final int trials;
    private final Path work;
    private int producers;

    RepositoriesBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.requestCommits = sizes.producerCommits() / REQUEST_REPOSITORIES;
        this.largeCommits = sizes.backfillCommits();
        this.warmups = sizes.warmups();
        this.trials = sizes.trials();
        this.work = work;
    }

    void run(Results results) throws Exception {
        List<String> served = new ArrayList<>();
        for (int i = 0; i < REQUEST_REPOSITORIES; i++) {
            served.add(requestRepository(i) + "=" + requestCommits + "," + requestCommits / 10);
        }
        served.add(LARGE + "=" + largeCommits + ",0");
        for (int i = 0; i < warmups + trials; i++) {
            for (String variant : List.of("alone", "beside", "beside-serial")) {
                served.add(small(variant, i) + "=" + SMALL_COMMITS + "," + SMALL_ISSUES);
            }
            for (String variant : List.of("alone", "beside", "behind")) {
                served.add(FirstCountsBenchmark.small(variant, i) + "=" + SMALL_COMMITS + "," + SMALL_ISSUES);
            }
        }
        int defaultConcurrency = Integer.parseInt(ProducerAppConfig.Defaults.MAX_CONCURRENT_REPOS);
        try (FakeGitHubProcess github = FakeGitHubProcess.start(0, 0, served, LATENCY_MS)) {
            producerOnly(github, results, defaultConcurrency);
            // 7d on a broker of its own: a streams-app started here would first count all of 7a's records.
            new FirstCountsBenchmark(warmups, trials, SMALL_COMMITS, SMALL_ISSUES, LARGE, largeCommits / 20, work, github.apiUrl()).run(results, defaultConcurrency);
        }
    }

    /** Figures 7a-7c: the producer alone. */
    private void producerOnly(FakeGitHubProcess github, Results results, int defaultConcurrency) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-repositories"))) {
            broker.createTopics(Topics.definitions(3, (short) 1));
            requests(broker, github, results);

            Trials.Outcome o = Trials.alternate(warmups, trials,
                    trial -> untilPublished(broker, github, small("beside", trial), true, defaultConcurrency),
                    trial -> untilPublished(broker, github, small("alone", trial), false, defaultConcurrency));
            List<Double> serial = new ArrayList<>();
            for (int trial = warmups; trial < warmups + trials; trial++) {
                serial.add(untilPublished(broker, github, small("beside-serial", trial), true, 1));
            }
            results.info("7b small repo published, large backfilling",
                    String.format(Locale.ROOT, "%.2f s beside %,d commits", o.measuredMedian(), largeCommits),
                    String.format(Locale.ROOT, "%.2f s alone", o.baselineMedian()), Results.ratio(o.ratio()));
            results.info("7c the same, --max-concurrent-repos 1",
                    String.format(Locale.ROOT, "%.2f s beside the backfill", Trials.median(serial)),
                    String.format(Locale.ROOT, "%.2f s alone", o.baselineMedian()), Results.ratio(Trials.median(serial) / o.baselineMedian()));
            results.note(String.format(Locale.ROOT, "7b/7c: a small repository (%,d commits, %,d issues, 22 pages) polled together with a "
                    + "large one (%,d commits) listed first, from the start of the poll until the small one's records and cursors are "
                    + "committed (IngestProgress says up to date), against the small one polled alone; --max-concurrent-repos %d "
                    + "(7b) and 1 (7c), backfill slices of 20 pages; fake GitHub answering after %d ms; %d warm-up + %d runs, medians: "
                    + "beside %s s, alone %s s, serial %s s.", SMALL_COMMITS, SMALL_ISSUES, largeCommits, defaultConcurrency, LATENCY_MS,
                    warmups, trials, seconds(o.measured()), seconds(o.baseline()), seconds(serial)));
        }
    }

    /** Figure 7a: a backfill of {@link #REQUEST_REPOSITORIES} repositories, then a poll that finds nothing new. */
    private void requests(EmbeddedKafkaBroker broker, FakeGitHubProcess github, Results results) {
        List<RepositoryName> repositories = new ArrayList<>();
        for (int i = 0; i < REQUEST_REPOSITORIES; i++) {
            repositories.add(RepositoryName.parse(requestRepository(i)));
        }
        ProducerAppConfig config = config(broker, github, repositories, Integer.parseInt(ProducerAppConfig.Defaults.MAX_CONCURRENT_REPOS));
        IngestReport backfill;
        try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
            backfill = producer.pollOnce();
        }
        IngestReport firstIdle;
        IngestReport idle;
        try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) { // a restart: cursors read back from Kafka
            firstIdle = producer.pollOnce(); // learns the validators a backfill does not keep (the head probe's ETag)
            idle = producer.pollOnce();
        }
        int issues = requestCommits / 10;
        long items = 0;
        long requests = 0;
        for (IngestReport.RepositoryReport r : backfill.repositories()) {
            if (r.commits() != requestCommits || r.issues() != issues) {
                throw new IllegalStateException("backfill published " + r + ", expected " + requestCommits + " commits and " + issues + " issues");
            }
            items += r.commits() + r.issues();
            requests += r.requests();
        }
        long pages = REQUEST_REPOSITORIES * (ceilDiv(requestCommits, 100) + ceilDiv(issues, 100));
        double perThousand = 1000.0 * requests / items;
        double fewest = 1000.0 * pages / items;
        results.add(new Results.Row("7a GitHub requests per 1,000 items, backfill", String.format(Locale.ROOT, "%.2f", perThousand),
                String.format(Locale.ROOT, "%.2f (one per 100-item page)", fewest), Results.ratio(perThousand / fewest), "<= 1.05",
                perThousand / fewest <= 1.05 ? "pass" : "MISS"));
        long idleRequests = idle.repositories().stream().mapToLong(IngestReport.RepositoryReport::requests).sum();
        long idleNotModified = idle.repositories().stream().mapToLong(IngestReport.RepositoryReport::notModified).sum();
        long idleItems = idle.repositories().stream().mapToLong(r -> r.commits() + r.issues()).sum()
                + firstIdle.repositories().stream().mapToLong(r -> r.commits() + r.issues()).sum();
        long firstIdleRequests = firstIdle.repositories().stream().mapToLong(IngestReport.RepositoryReport::requests).sum();
        if (!idle.allIngested() || !firstIdle.allIngested() || idleItems != 0) {
            throw new IllegalStateException("the idle poll published " + idleItems + " items: " + idle);
        }
        double perRepository = (double) idleRequests / REQUEST_REPOSITORIES;
        double countedPerRepository = (double) (idleRequests - idleNotModified) / REQUEST_REPOSITORIES;
        results.info("7a steady state, nothing new", String.format(Locale.ROOT, "%.2f requests per repository poll", perRepository),
                String.format(Locale.ROOT, "%.2f of them rate-limited (not 304)", countedPerRepository), "-");
        results.note(String.format(Locale.ROOT, "7a: %d repositories of %,d commits and %,d issues each in 100-item pages, --max-concurrent-repos "
                + "%s: %,d requests for %,d items (pages prefetched, commits head probe, retries all counted), against %,d pages; then a "
                + "restarted producer polls them twice with nothing new: the first poll %,d requests (it learns the validators a backfill "
                + "does not keep), the second (the steady state) %,d requests, %,d answered 304 Not Modified (free of rate limit). "
                + "The fake GitHub cannot add items while it runs, so a steady state with a few new items is not measured here.",
                REQUEST_REPOSITORIES, requestCommits, issues, ProducerAppConfig.Defaults.MAX_CONCURRENT_REPOS, requests, items, pages,
                firstIdleRequests, idleRequests, idleNotModified));
    }

    /**
     * Seconds from the start of a poll of {@code small} (with the large repository first, when {@code beside}) until the
     * small repository is up to date; the poll is then stopped (the large backfill goes on in the next run).
     */
    private double untilPublished(EmbeddedKafkaBroker broker, FakeGitHubProcess github, String small, boolean beside, int concurrency)
            throws Exception {
        List<RepositoryName> repositories = new ArrayList<>();
        if (beside) {
            repositories.add(RepositoryName.parse(LARGE));
        }
        repositories.add(RepositoryName.parse(small));
        GitHubActivityProducer producer = new GitHubActivityProducer(config(broker, github, repositories, concurrency));
        ExecutorService thread = Executors.newSingleThreadExecutor();
        double seconds;
        IngestReport report;
        try {
            long t0 = System.nanoTime();
            Future<IngestReport> poll = thread.submit(producer::pollOnce);
            while (true) {
                IngestProgress.RepositoryProgress p = producer.progress().of(small);
                if (p != null && p.state() == IngestProgress.State.UP_TO_DATE) {
                    break;
                }
                if (poll.isDone()) {
                    throw new IllegalStateException("the poll ended before " + small + " was up to date: " + poll.get());
                }
                Thread.sleep(2);
            }
            seconds = Trials.seconds(t0);
            producer.close();
            report = poll.get(120, TimeUnit.SECONDS);
        } finally {
            producer.close();
            thread.shutdownNow();
        }
        requirePublished(report, small, SMALL_COMMITS, SMALL_ISSUES);
        return seconds;
    }

    private ProducerAppConfig config(EmbeddedKafkaBroker broker, FakeGitHubProcess github, List<RepositoryName> repositories, int concurrency) {
        return ProducerAppConfig.builder().bootstrapServers(broker.bootstrapServers()).githubApiUrl(github.apiUrl())
                .token(GitHubToken.none()).repositories(repositories).maxConcurrentRepos(concurrency)
                .transactionalId("bench-repositories-" + producers++).build();
    }

    private static String requestRepository(int i) {
        return "bench/requests-" + i;
    }

    private static String small(String variant, int trial) {
        return "bench/small-" + variant + "-" + trial;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static String seconds(List<Double> values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return s.toString();
    }

    /** The run's report says {@code repo} published exactly these items; else the measurement is void. */
    static void requirePublished(IngestReport report, String repo, long commits, long issues) {
        IngestReport.RepositoryReport r = report.of(repo);
        if (r.commits() != commits || r.issues() != issues) {
            throw new IllegalStateException(repo + " published " + r + ", expected " + commits + " commits and " + issues + " issues");
        }
    }
}
