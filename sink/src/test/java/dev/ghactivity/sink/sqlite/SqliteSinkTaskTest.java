package dev.ghactivity.sink.sqlite;

import static dev.ghactivity.sink.Rows.poison;
import static dev.ghactivity.sink.Rows.record;
import static dev.ghactivity.sink.Rows.tombstone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.sink.TestSinkContext;
import dev.ghactivity.testkit.ReadOnlyFiles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSinkTaskTest {
    @TempDir
    Path dir;
    private SqliteSinkTask task;
    private TestSinkContext context;

    private Path db() {
        return dir.resolve("sub/ghactivity.db");
    }

    private void start(boolean reporter, Map<String, String> extra) {
        task = new SqliteSinkTask();
        context = new TestSinkContext(reporter);
        task.initialize(context);
        Map<String, String> props = new TreeMap<>(Map.of(SqliteSinkConfig.PATH, db().toString()));
        props.putAll(extra);
        task.start(props);
    }

    /** What Connect does with a batch before it commits offsets: put(), then preCommit(). */
    private Map<TopicPartition, OffsetAndMetadata> deliver(List<SinkRecord> batch) {
        task.put(batch);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (SinkRecord r : batch) {
            offsets.put(new TopicPartition(r.topic(), r.kafkaPartition()), new OffsetAndMetadata(r.kafkaOffset() + 1));
        }
        return task.preCommit(offsets);
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
    }

    private Map<String, String> query(String sql) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder value = new StringBuilder();
                for (int i = 3; i <= columns; i++) {
                    value.append(i > 3 ? "," : "").append(rs.getString(i));
                }
                rows.put(rs.getString(1) + "|" + rs.getString(2), value.toString());
            }
        }
        return rows;
    }

    @Test
    void replayingABatchTwiceGivesTheSameRowsAndTheViewsHaveTheSeedsColumns() throws SQLException {
        start(true, Map.of());
        List<SinkRecord> batch = List.of(
                record(0, 0, "a/b", "2024-01", 5, 2),
                record(0, 1, "a/b", "2024-02", 0, 1),
                record(0, 2, "a/b", "2024-01", 7, 2), // later value of the same key wins
                record(1, 0, "c/d", "2011-04", 1, 0));
        deliver(batch);
        Map<String, String> once = query("SELECT * FROM monthly_activity");
        deliver(batch);
        assertThat(query("SELECT * FROM monthly_activity")).isEqualTo(once).isEqualTo(Map.of(
                "a/b|2024-01", "7,3,2,0,1,0,2026-01-02T03:04:05Z,0,null,null,null,null,0,0",
                "a/b|2024-02", "0,0,1,0,1,0,2026-01-02T03:04:05Z,0,null,null,null,null,0,0",
                "c/d|2011-04", "1,1,0,0,1,0,2026-01-02T03:04:05Z,0,null,null,null,null,0,0"));
        assertThat(query("SELECT repo, month, commit_count FROM aggregate_commits"))
                .isEqualTo(Map.of("a/b|2024-01", "7", "c/d|2011-04", "1"));
        assertThat(query("SELECT repo, month, issue_count FROM aggregate_issues"))
                .isEqualTo(Map.of("a/b|2024-01", "2", "a/b|2024-02", "1"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
             ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
    }

    @Test
    void aTombstoneDeletesTheRow() throws SQLException {
        start(true, Map.of());
        deliver(List.of(record(0, 0, "a/b", "2024-01", 5, 2), record(0, 1, "a/b", "2024-02", 1, 0)));
        deliver(List.of(tombstone(0, 2, "a/b", "2024-01"), record(0, 3, "a/b", "2024-01", 9, 0), tombstone(0, 4, "a/b", "2024-02")));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "9"));
    }

    @Test
    void aPoisonRecordGoesToTheReporterWhileTheOthersLand() throws SQLException {
        start(true, Map.of());
        SinkRecord bad = poison(0, 1, "a/b|2024-01");
        SinkRecord badKey = poison(0, 2, "c/d|2024-02"); // undecodable values and invalid keys: MonthlyActivity*ConverterTest
        deliver(List.of(record(0, 0, "a/b", "2024-01", 5, 2), bad, badKey, record(0, 3, "e/f", "2024-03", 1, 0)));
        assertThat(context.reported).containsExactly(bad, badKey);
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "5", "e/f|2024-03", "1"));
    }

    @Test
    void withoutADeadLetterQueueAPoisonRecordFailsTheTaskWithAClearMessage() {
        start(false, Map.of());
        assertThatThrownBy(() -> task.put(List.of(poison(0, 7, "a/b|2024-01"))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("errors.tolerance=all")
                .satisfies(e -> assertThat(e.getMessage()).contains("@7"));
    }

    @Test
    void aLockHeldByAnotherProcessIsRetriedUpToMaxRetriesAndThenWrittenOnceReleased() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.MAX_RETRIES, "2", SqliteSinkConfig.RETRY_BACKOFF_MS, "10",
                SqliteSinkConfig.BUSY_TIMEOUT_MS, "50", SqliteSinkConfig.LINGER_MS, "0")); // every put() commits
        SinkRecord bad = poison(0, 1, "a/b|2024-02");
        List<SinkRecord> batch = List.of(record(0, 0, "a/b", "2024-01", 5, 2), bad);
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            other.createStatement().execute("BEGIN EXCLUSIVE");
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
            assertThat(context.timeouts).containsExactly(10L, 10L);
            other.createStatement().execute("ROLLBACK");
        }
        task.put(batch); // Connect redelivers the same batch
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "5"));
        assertThat(context.reported).as("reported once, not once per delivery").containsExactly(bad);

        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            other.createStatement().execute("BEGIN EXCLUSIVE");
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
            assertThatThrownBy(() -> task.put(batch)).isInstanceOf(ConnectException.class)
                    .isNotInstanceOf(RetriableException.class).hasMessageContaining("failed 3 times")
                    .hasMessageContaining("is another process holding a write lock on " + db());
            other.createStatement().execute("ROLLBACK");
        }
    }

    /** Issue: a read-only SQLite file was retried (or waited on) for the whole --once-timeout; it fails the task at once. */
    @Test
    void aReadOnlyFileFailsTheTaskAtOnceNamingTheFileAndWhatToDo() throws Exception {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "0", SqliteSinkConfig.MAX_RETRIES, "5"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2)));
        task.stop();
        task = null;
        try (ReadOnlyFiles readOnly = ReadOnlyFiles.make(db())) {
            start(true, Map.of(SqliteSinkConfig.LINGER_MS, "0", SqliteSinkConfig.MAX_RETRIES, "5"));
            assertThatThrownBy(() -> task.put(List.of(record(0, 1, "a/b", "2024-01", 6, 2))))
                    .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
                    .hasMessageStartingWith("SQLite file " + db().toAbsolutePath() + " is read-only (")
                    .hasMessageContaining("make it and its directory writable");
            assertThat(context.timeouts).as("no retry backoff asked for").isEmpty();
        } catch (IllegalStateException cannotMakeReadOnly) {
            org.junit.jupiter.api.Assumptions.abort(cannotMakeReadOnly.getMessage());
        }
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).as("the earlier row untouched")
                .isEqualTo(Map.of("a/b|2024-01", "5"));
    }

    @Test
    void aPathThatCannotBeOpenedFailsTheStartAtOnce() throws Exception {
        java.nio.file.Files.createDirectories(db()); // a directory where the file should be
        assertThatThrownBy(() -> start(true, Map.of(SqliteSinkConfig.MAX_RETRIES, "5")))
                .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
                .hasMessageStartingWith("SQLite file " + db().toAbsolutePath() + " cannot be opened (");
        assertThat(context.timeouts).isEmpty();
    }

    @Test
    void aReaderInTheMiddleOfAReadDoesNotStopTheWriter() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.BUSY_TIMEOUT_MS, "50", SqliteSinkConfig.LINGER_MS, "0"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2)));
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            reader.setAutoCommit(false);
            ResultSet open = reader.createStatement().executeQuery("SELECT commits FROM monthly_activity");
            assertThat(open.next()).isTrue(); // a read transaction holds its snapshot of the file
            task.put(List.of(record(0, 1, "a/b", "2024-01", 6, 2)));
            assertThat(open.getLong(1)).isEqualTo(5);
            reader.rollback();
        }
        assertThat(context.timeouts).isEmpty();
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "6"));
    }

    @Test
    void rowsOfSeveralPutsWaitAndCommitTogetherBeforeConnectCommitsTheirOffsets() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000", SqliteSinkConfig.TRICKLE_PAUSE_MS, "600000"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2), record(1, 0, "c/d", "2011-04", 1, 0)));
        task.put(List.of(record(0, 1, "a/b", "2024-01", 8, 2), tombstone(1, 1, "c/d", "2011-04"), record(1, 2, "c/d", "2011-05", 3, 1)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).as("nothing committed yet").isEmpty();
        assertThat(context.timeouts).as("Connect is asked to call put() again when the linger ends").hasSize(2)
                .allSatisfy(t -> assertThat(t).isPositive().isLessThanOrEqualTo(600000L));

        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(
                new TopicPartition("github.monthly-activity", 0), new OffsetAndMetadata(2),
                new TopicPartition("github.monthly-activity", 1), new OffsetAndMetadata(3));
        assertThat(task.preCommit(offsets)).isEqualTo(offsets);
        assertThat(query("SELECT repo, month, commits FROM monthly_activity"))
                .isEqualTo(Map.of("a/b|2024-01", "8", "c/d|2011-05", "3"));
    }

    @Test
    void anEmptyPutMeansCaughtUpAndCommitsWhatWaits() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEmpty();
        task.put(List.of());
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "5"));
    }

    @Test
    void aBatchThatComesAfterAPauseIsATrickleAndCommitsAtOnceWhileBackToBackBatchesLinger() throws Exception {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000", SqliteSinkConfig.TRICKLE_PAUSE_MS, "2000"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2)));
        task.put(List.of(record(0, 1, "a/b", "2024-02", 6, 2))); // right behind it: a backfill, they linger together
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEmpty();
        Thread.sleep(2_100); // Connect's consumer waits for the next change
        task.put(List.of(record(0, 2, "a/b", "2024-03", 1, 0)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity"))
                .isEqualTo(Map.of("a/b|2024-01", "5", "a/b|2024-02", "6", "a/b|2024-03", "1"));
    }

    @Test
    void theBufferLimitAndTheLingerEachCommit() throws Exception {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000", SqliteSinkConfig.BUFFER_MAX_RECORDS, "2",
                SqliteSinkConfig.TRICKLE_PAUSE_MS, "600000"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2)));
        task.put(List.of(record(0, 1, "a/b", "2024-01", 6, 2))); // same key: still one row waiting
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEmpty();
        task.put(List.of(record(0, 2, "a/b", "2024-02", 7, 2)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity"))
                .isEqualTo(Map.of("a/b|2024-01", "6", "a/b|2024-02", "7"));
        task.stop();

        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "30", SqliteSinkConfig.TRICKLE_PAUSE_MS, "600000"));
        task.put(List.of(record(0, 3, "a/b", "2024-03", 1, 0)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity WHERE month = '2024-03'")).isEmpty();
        Thread.sleep(60);
        task.put(List.of(record(0, 4, "a/b", "2024-04", 1, 0)));
        assertThat(query("SELECT repo, month, commits FROM monthly_activity WHERE month >= '2024-03'"))
                .isEqualTo(Map.of("a/b|2024-03", "1", "a/b|2024-04", "1"));
    }

    @Test
    void aFailedCommitDropsTheWaitingRowsForConnectToRedeliverAndWritesThemThen() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000", SqliteSinkConfig.BUSY_TIMEOUT_MS, "50",
                SqliteSinkConfig.RETRY_BACKOFF_MS, "10"));
        List<SinkRecord> batch = List.of(record(0, 0, "a/b", "2024-01", 5, 2), record(0, 1, "a/b", "2024-02", 1, 0));
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            other.createStatement().execute("BEGIN EXCLUSIVE");
            assertThatThrownBy(() -> deliver(batch)).isInstanceOf(RetriableException.class);
            other.createStatement().execute("ROLLBACK");
        }
        task.put(List.of());
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).as("dropped, not written late").isEmpty();
        deliver(batch); // Connect rewound to the last committed offsets
        assertThat(query("SELECT repo, month, commits FROM monthly_activity"))
                .isEqualTo(Map.of("a/b|2024-01", "5", "a/b|2024-02", "1"));
    }

    @Test
    void rowsOfARevokedPartitionAreLeftToItsNewOwner() throws SQLException {
        start(true, Map.of(SqliteSinkConfig.LINGER_MS, "600000"));
        task.put(List.of(record(0, 0, "a/b", "2024-01", 5, 2), record(1, 0, "c/d", "2011-04", 1, 0)));
        task.close(List.of(new TopicPartition("github.monthly-activity", 1)));
        task.put(List.of());
        assertThat(query("SELECT repo, month, commits FROM monthly_activity")).isEqualTo(Map.of("a/b|2024-01", "5"));
    }

    @Test
    void theConfigRejectsATableNameThatIsNotAnIdentifier() {
        assertThatThrownBy(() -> new SqliteSinkConfig(Map.of(SqliteSinkConfig.PATH, "x.db", SqliteSinkConfig.TABLE, "t; DROP TABLE x")))
                .hasMessageContaining("identifier");
    }
}
