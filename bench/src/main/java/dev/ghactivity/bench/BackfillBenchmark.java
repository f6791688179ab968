package dev.ghactivity.bench;

import dev.ghactivity.local.LocalStack;
import dev.ghactivity.local.LocalStackConfig;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Figure 6: what {@code ghactivity-local --once} does, on a synthetic history: start the local stack,
 * ingest once, wait until SQLite and S3 hold everything, under the suite's {@code -Xmx1g}. Wall time,
 * events per second and peak heap; then every monthly row in SQLite is checked against the counts the
 * synthetic history implies (a fast wrong answer would be worth nothing).
 */
final class BackfillBenchmark {
    private static final String REPO = "bench/backfill";

    private final int commits;
    private final int issues;
    private final Path work;

    BackfillBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.commits = sizes.backfillCommits();
        this.issues = sizes.backfillIssues();
        this.work = work;
    }

    void run(Results results) throws Exception {
        SyntheticActivity activity;
        Path sqlite;
        double start;
        double ingest;
        double drain;
        double wall;
        IngestReport report;
        try (FakeGitHubProcess github = FakeGitHubProcess.start(commits, issues, List.of(REPO))) {
            activity = new SyntheticActivity(REPO, commits, issues, FakeGitHubProcess.seedOf(0));
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl()).dataDir(work.resolve("backfill")).httpPort(0)
                    .s3FlushInterval(Duration.ofSeconds(1)).build(); // what the CLI sets with --once
            System.gc(); // the figures before leave garbage behind: start this one from a clean heap
            try (HeapWatch heap = new HeapWatch()) {
                long t0 = System.nanoTime();
                try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                    start = Trials.seconds(t0);
                    long t1 = System.nanoTime();
                    report = stack.ingestOnce();
                    ingest = Trials.seconds(t1);
                    long t2 = System.nanoTime();
                    stack.awaitSinksCaughtUp(Duration.ofMinutes(10));
                    drain = Trials.seconds(t2);
                    wall = Trials.seconds(t0);
                    sqlite = stack.sqlitePath();
                }
                String label = String.format(Locale.ROOT, "6 backfill %,d commits + %,d issues", commits, issues);
                results.add(new Results.Row(label, String.format(Locale.ROOT, "%.1f s wall, %s", wall, Results.perSecond((commits + issues) / wall, "events")),
                        String.format(Locale.ROOT, "start %.1f s, fetch+publish %.1f s, then sinks %.1f s", start, ingest, drain),
                        "-", "<= 60 s", wall <= 60 ? "pass" : "MISS"));
                results.add(new Results.Row("6 backfill peak heap", heap.peakUsedMb() + " MB used, " + heap.peakLiveMb() + " MB max after a GC",
                        String.format(Locale.ROOT, "-Xmx %d MB; %d GCs, %.1f s in GC", Runtime.getRuntime().maxMemory() / (1024 * 1024),
                                heap.collections(), heap.gcMillis() / 1000.0), "-", "no OOM", "pass"));
            }
        }
        if (report.of(REPO).commits() != commits || report.of(REPO).issues() != issues) {
            throw new IllegalStateException("backfill published " + report.of(REPO) + ", expected " + commits + " commits and " + issues + " issues");
        }
        String exact = verify(sqlite, activity.expectedMonthlyCounts());
        results.note(String.format(Locale.ROOT, "6 backfill: one repository, %,d commits and %,d issues in 100-item pages from the fake GitHub "
                + "(a JVM of its own on 127.0.0.1, same machine), 3 partitions, everything in this JVM under -Xmx1g; wall time from LocalStack.start() until "
                + "awaitSinksCaughtUp() returns (SQLite and S3 hold everything), as --once; peak heap from GC notifications "
                + "(use before each collection) and 20 ms sampling. %s", commits, issues, exact));
    }

    /** Compares every monthly row in SQLite with the expected counts; throws on any difference. */
    private static String verify(Path sqlite, Map<String, long[]> expected) throws Exception {
        Map<String, long[]> actual = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT month, commits, commit_authors, issues_opened, issues_closed, prs_opened, prs_merged "
                     + "FROM monthly_activity WHERE repo = '" + REPO + "'")) {
            while (rs.next()) {
                long[] row = new long[6];
                for (int i = 0; i < 6; i++) {
                    row[i] = rs.getLong(i + 2);
                }
                actual.put(rs.getString(1), row);
            }
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] got = actual.get(e.getKey());
            if (got == null || !Arrays.equals(got, e.getValue())) {
                throw new IllegalStateException("SQLite row " + REPO + " " + e.getKey() + " is " + Arrays.toString(got)
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        if (actual.size() != expected.size()) {
            throw new IllegalStateException("SQLite holds " + actual.size() + " months of " + REPO + ", expected " + expected.size());
        }
        return "All " + expected.size() + " monthly rows in SQLite equal the expected counts.";
    }
}
