package dev.ghactivity.bench;

import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.sqlite.SqliteSinkTask;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Figure 3: {@link SqliteSinkTask#put} in batches of 1,000 records (what Connect hands it), then
 * {@link SqliteSinkTask#preCommit} (what Connect calls before it commits offsets), against raw
 * JDBC upserting the same rows, already decoded, as one batch in one transaction, with the same table,
 * pragmas and statement. A third line upserts raw with one transaction per 1,000 rows, which splits the
 * sink's cost into its transactions and its own work per record.
 */
final class SqliteSinkBenchmark {
    private static final int BATCH = 1000;
    private static final String UPSERT = "INSERT INTO monthly_activity (repo, month, commits, commit_authors, issues_opened, issues_closed, "
            + "prs_opened, prs_merged, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(repo, month) DO UPDATE SET "
            + "commits = excluded.commits, commit_authors = excluded.commit_authors, issues_opened = excluded.issues_opened, "
            + "issues_closed = excluded.issues_closed, prs_opened = excluded.prs_opened, prs_merged = excluded.prs_merged, "
            + "updated_at = excluded.updated_at";

    private final int rows;
    private final int warmups;
    private final int trials;
    private final Path work;
    private final List<SinkRecord> records = new ArrayList<>();
    private final List<MonthlyActivity> decoded = new ArrayList<>();

    SqliteSinkBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.rows = sizes.sinkRows();
        this.warmups = sizes.warmups();
        this.trials = sizes.trials();
        this.work = work;
    }

    void run(Results results) throws Exception {
        // 500 repositories x 300 months: half the records insert a row, the other half update one.
        YearMonth first = YearMonth.of(2000, 1);
        for (int i = 0; i < rows; i++) {
            String repo = "bench/r" + (i % 500);
            String month = first.plusMonths((i / 500) % 300).toString();
            MonthlyActivity a = MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(i).setCommitAuthors(i % 7)
                    .setIssuesOpened(i % 5).setIssuesClosed(i % 3).setPrsOpened(i % 11).setPrsMerged(i % 2).setUpdatedAt(Instant.now()).build();
            decoded.add(a);
            records.add(new SinkRecord(Topics.MONTHLY_ACTIVITY, 0, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                    Schema.OPTIONAL_BYTES_SCHEMA, AvroSerdes.monthlyActivity().encode(a), i));
        }
        Trials.Outcome o = Trials.alternate(warmups, trials, trial -> sink(trial, null), trial -> raw(trial, rows));
        results.add("3 SQLite sink: put() of 1,000 records", Results.perSecond(o.measuredMedian(), "rows"),
                "raw JDBC, one transaction: " + Results.perSecond(o.baselineMedian(), "rows"), o.ratio(), 0.8);
        List<Double> perBatch = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            perBatch.add(raw(100 + i, BATCH));
        }
        double b = Trials.median(perBatch);
        results.info("3b raw JDBC, one transaction per 1,000", Results.perSecond(b, "rows"), "sink / this", Results.ratio(o.measuredMedian() / b));
        List<Double> everyPut = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            everyPut.add(sink(200 + i, "0"));
        }
        double e = Trials.median(everyPut);
        results.info("3c sink, sqlite.linger.ms=0 (a transaction per put())", Results.perSecond(e, "rows"), "sink / this",
                Results.ratio(o.measuredMedian() / e));
        results.note(String.format(Locale.ROOT, "3 SQLite: %,d rows (half inserts, half updates of 150,000 keys), a new database file per run, "
                + "WAL, synchronous=NORMAL; %d warm-up + %d runs, medians; sink (default sqlite.linger.ms and sqlite.buffer.max.records) "
                + "runs %s rows/s, raw runs %s rows/s, raw per-1,000 runs %s rows/s, sink with linger 0 runs %s rows/s.",
                rows, warmups, trials, Results.runs(o.measured()), Results.runs(o.baseline()), Results.runs(perBatch),
                Results.runs(everyPut)));
    }

    /** Puts every record, then preCommits them all; {@code lingerMs} null = the connector's default. */
    private double sink(int trial, String lingerMs) {
        SqliteSinkTask task = new SqliteSinkTask();
        Map<String, String> props = new HashMap<>(Map.of("sqlite.path", work.resolve("sink-" + trial + ".db").toString()));
        if (lingerMs != null) {
            props.put("sqlite.linger.ms", lingerMs);
        }
        task.start(props);
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < rows; i += BATCH) {
                task.put(ConvertedRecords.of(records.subList(i, Math.min(rows, i + BATCH))));
            }
            task.preCommit(Map.of(new TopicPartition(Topics.MONTHLY_ACTIVITY, 0), new OffsetAndMetadata(rows)));
            return rows / Trials.seconds(t0);
        } finally {
            task.stop();
        }
    }

    /** Upserts every row with plain JDBC, committing every {@code rowsPerTransaction} rows. */
    private double raw(int trial, int rowsPerTransaction) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("raw-" + trial + ".db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("CREATE TABLE monthly_activity (repo TEXT NOT NULL, month TEXT NOT NULL, commits INTEGER NOT NULL, "
                        + "commit_authors INTEGER NOT NULL, issues_opened INTEGER NOT NULL, issues_closed INTEGER NOT NULL, "
                        + "prs_opened INTEGER NOT NULL, prs_merged INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (repo, month))");
            }
            c.setAutoCommit(false);
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                int pending = 0;
                for (MonthlyActivity a : decoded) {
                    ps.setString(1, a.getRepo());
                    ps.setString(2, a.getMonth());
                    ps.setLong(3, a.getCommits());
                    ps.setLong(4, a.getCommitAuthors());
                    ps.setLong(5, a.getIssuesOpened());
                    ps.setLong(6, a.getIssuesClosed());
                    ps.setLong(7, a.getPrsOpened());
                    ps.setLong(8, a.getPrsMerged());
                    ps.setString(9, a.getUpdatedAt().toString());
                    ps.addBatch();
                    if (++pending == rowsPerTransaction) {
                        ps.executeBatch();
                        c.commit();
                        pending = 0;
                    }
                }
                ps.executeBatch();
                c.commit();
            }
            return rows / Trials.seconds(t0);
        }
    }
}
