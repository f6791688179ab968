package dev.ghactivity.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every stage against a baseline measured in the same JVM, on the same broker or S3 server, in the same
 * run: machines here are shared and noisy, so the ratios are what compare across runs. Prints one line
 * per figure and writes {@code bench/results/<date>.md} (relative to the working directory).
 *
 * <pre>
 * BenchmarkSuite [--quick] [--only producer|topology|sqlite|s3|latency|backfill|webhooks|repositories]
 * </pre>
 */
public final class BenchmarkSuite {
    static final List<String> FIGURES = List.of("producer", "topology", "sqlite", "s3", "latency", "backfill", "webhooks", "repositories");

    /** Workload sizes: the issue's sizes, or small ones for a smoke run. */
    record Sizes(boolean quick, int warmups, int trials, int producerCommits, int topologyRecords, int sinkRows, int s3Rows,
                 int latencySamples, int backfillCommits, int backfillIssues, int webhookDeliveries) {
        static Sizes fullRun() {
            return new Sizes(false, 1, 3, 200_000, 200_000, 300_000, 100_000, 60, 1_000_000, 100_000, 300);
        }

        static Sizes quickRun() {
            return new Sizes(true, 0, 1, 20_000, 30_000, 30_000, 20_000, 15, 50_000, 5_000, 100);
        }
    }

    /** One figure of the suite, by the name {@code --only} takes. */
    private record Figure(String name, Body body) {
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.println("usage: BenchmarkSuite [--quick] [--only " + String.join("|", FIGURES) + "]");
            return;
        }
        Sizes sizes = arguments.contains("--quick") ? Sizes.quickRun() : Sizes.fullRun();
        int only = arguments.indexOf("--only");
        String figure = only >= 0 && only + 1 < args.length ? args[only + 1] : "all";
        if (!figure.equals("all") && !FIGURES.contains(figure)) {
            System.err.println("unknown figure '" + figure + "': choose one of " + FIGURES);
            System.exit(2);
        }
        Set<String> run = figure.equals("all") ? Set.copyOf(FIGURES) : Set.of(figure);
        Path work = Files.createTempDirectory("ghactivity-bench");
        String machine = Machine.describe();
        System.out.println("ghactivity benchmarks (" + (sizes.quick() ? "quick" : "full") + "), work dir " + work);
        System.out.println(machine);
        System.out.printf(Locale.ROOT, "%-40s %-34s %-40s %-6s %-10s %s%n", "figure", "measured", "baseline (same run)", "ratio", "target", "verdict");
        long t0 = System.nanoTime();
        Results results = new Results();
        List<Figure> figures = List.of(
                new Figure("producer", () -> new ProducerBenchmark(sizes, work).run(results)),
                new Figure("topology", () -> new TopologyBenchmark(sizes, work).run(results)),
                new Figure("sqlite", () -> new SqliteSinkBenchmark(sizes, work).run(results)),
                new Figure("s3", () -> new S3SinkBenchmark(sizes, work).run(results)),
                new Figure("latency", () -> new LatencyBenchmark(sizes, work).run(results)),
                new Figure("backfill", () -> new BackfillBenchmark(sizes, work).run(results)),
                new Figure("webhooks", () -> new WebhookBenchmark(sizes, work).run(results)),
                new Figure("repositories", () -> new RepositoriesBenchmark(sizes, work).run(results)));
        StringBuilder load = new StringBuilder();
        for (Figure f : figures) {
            if (run.contains(f.name())) {
                double before = Machine.loadAverage();
                long start = System.nanoTime();
                f.body().run();
                load.append(load.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f -> %.1f (%.0f s)",
                        f.name(), before, Machine.loadAverage(), Trials.seconds(start)));
            }
        }
        results.note("Machine load average (1 min) before -> after each figure, and its duration: " + load
                + ". Above " + Runtime.getRuntime().availableProcessors() + ", other processes were using the cores too.");
        Path file = write(results, sizes, figure, machine, Trials.seconds(t0));
        System.out.println("\nwritten " + file.toAbsolutePath());
        System.exit(0); // some libraries leave non-daemon threads behind (S3Proxy, Connect); the run is over
    }

    private static Path write(Results results, Sizes sizes, String figure, String machine, double seconds) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(sizes.quick() ? " (quick)" : " (full)").append(figure.equals("all") ? "" : ", only " + figure).append("\n\n");
        md.append("Command: `bench/run.sh").append(sizes.quick() ? " --quick" : "").append(figure.equals("all") ? "" : " --only " + figure)
                .append("`, ").append(String.format(Locale.ROOT, "%.0f s in all.", seconds)).append("\n\n");
        md.append("Machine: ").append(machine).append(".\n\n");
        md.append("Every baseline ran in the same JVM, against the same embedded broker or S3 server, in the same run: ")
                .append("compare ratios across runs, not absolute numbers.\n\n");
        md.append(results.markdown());
        Path dir = Path.of("bench", "results");
        Files.createDirectories(dir);
        // A quick or partial run never overwrites the full results of the day.
        Path file = dir.resolve(LocalDate.now() + (sizes.quick() ? "-quick" : "") + (figure.equals("all") ? "" : "-" + figure) + ".md");
        Files.writeString(file, md.toString());
        return file;
    }
}
