package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.MonthlyActivityRecord;
import dev.ghactivity.sink.SinkTaskErrors;
import dev.ghactivity.sink.Versions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upserts monthly rows into SQLite. Rows of consecutive {@code put()} calls wait in memory, the latest per
 * {@code (repo, month)}, and commit together in one transaction when {@code sqlite.linger.ms} has passed, when
 * the consumer has caught up (an empty {@code put()}, or a {@code put()} that came after a pause: records that trickle
 * in are written at once), when {@code sqlite.buffer.max.records} rows wait, or in
 * {@link #preCommit}, which therefore only lets Connect commit offsets whose rows are in the database. Values
 * are absolute, so a redelivered batch (after a retry, a failed commit or a restart) changes nothing.
 */
public final class SqliteSinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteSinkTask.class);

    private SqliteSinkConfig config;
    private SqliteMonthlyActivityWriter writer;
    private SinkTaskErrors errors;
    /** Per partition, the highest offset sent to the dead-letter queue: a redelivered batch does not send it twice. */
    private final Map<TopicPartition, Long> reportedThrough = new HashMap<>();
    /** Rows not yet committed, the latest per {@code repo|month}; a key lives on one partition of the compacted topic. */
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** When the oldest pending row arrived ({@link System#nanoTime}); meaningless while nothing is pending. */
    private long pendingSinceNanos;
    /** When the last {@code put()} returned ({@link System#nanoTime}); 0 before the first. */
    private long lastPutReturnedNanos;

    private record Pending(TopicPartition partition, MonthlyActivityRecord row) {
    }

    @Override
    public String version() {
        return Versions.version();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new SqliteSinkConfig(props);
        errors = new SinkTaskErrors(LOG, context, config.maxRetries(), config.retryBackoffMs(),
                "is another process holding a write lock on " + config.path() + " (e.g. an open transaction in the sqlite3 shell)?");
        openWriter();
    }

    private void openWriter() {
        try {
            writer = new SqliteMonthlyActivityWriter(config.path(), config.table(), config.busyTimeoutMs(), config.batchMaxRecords());
            LOG.info("SQLite sink writing {} (table {}, views aggregate_commits, aggregate_issues)", config.path(), config.table());
        } catch (SQLException e) {
            writer = null;
            if (SqliteMonthlyActivityWriter.isTransient(e)) {
                throw errors.retry("opening " + config.path(), e);
            }
            throw new ConnectException(SqliteMonthlyActivityWriter.permanentFailure(e, config.path()), e);
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        try {
            buffer(records);
        } finally {
            lastPutReturnedNanos = System.nanoTime();
        }
    }

    private void buffer(Collection<SinkRecord> records) {
        // A batch that Connect's consumer had to wait for (sqlite.trickle.pause.ms): lingering would only delay it.
        boolean afterIdle = lastPutReturnedNanos != 0 && System.nanoTime() - lastPutReturnedNanos >= config.tricklePauseMs() * 1_000_000;
        if (pending.isEmpty()) {
            pendingSinceNanos = System.nanoTime();
        }
        TopicPartition tp = null;
        for (SinkRecord record : records) {
            if (tp == null || tp.partition() != record.kafkaPartition() || !tp.topic().equals(record.topic())) {
                tp = new TopicPartition(record.topic(), record.kafkaPartition()); // batches come in runs of one partition
            }
            try {
                MonthlyActivityRecord row = MonthlyActivityRecord.from(record);
                pending.put((String) record.key(), new Pending(tp, row)); // the key is owner/name|YYYY-MM, validated by from()
            } catch (DataException e) {
                if (record.kafkaOffset() > reportedThrough.getOrDefault(tp, -1L)) {
                    errors.report(record, e);
                    reportedThrough.put(tp, record.kafkaOffset());
                }
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        long waitedMs = (System.nanoTime() - pendingSinceNanos) / 1_000_000;
        if (records.isEmpty() || afterIdle || waitedMs >= config.lingerMs() || pending.size() >= config.bufferMaxRecords()) {
            // On a transient error the rows stay pending and Connect redelivers this batch after the backoff.
            writePending();
        } else if (context != null) {
            context.timeout(config.lingerMs() - waitedMs); // the next put() comes by then, empty if nothing arrived
        }
    }

    /**
     * Commits the pending rows, so the offsets Connect is about to commit are all in the database. If that fails
     * the rows are dropped: Connect rewinds to the last committed offsets and delivers them again.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        try {
            writePending();
        } catch (RuntimeException e) {
            pending.clear();
            throw e;
        }
        return currentOffsets;
    }

    /** Rows of partitions this task no longer owns are the new owner's; it reads them from the last commit. */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        pending.values().removeIf(p -> partitions.contains(p.partition()));
    }

    private void writePending() {
        if (pending.isEmpty()) {
            return;
        }
        if (writer == null) {
            openWriter();
        }
        List<MonthlyActivityRecord> rows = new ArrayList<>(pending.size());
        for (Pending p : pending.values()) {
            rows.add(p.row());
        }
        try {
            writer.write(rows);
            pending.clear();
            errors.succeeded();
        } catch (SQLException e) {
            if (!SqliteMonthlyActivityWriter.isTransient(e)) {
                throw new ConnectException(SqliteMonthlyActivityWriter.permanentFailure(e, config.path()), e);
            }
            if (SqliteMonthlyActivityWriter.needsReopen(e)) {
                closeWriter(); // a fresh connection after an I/O error; the next write opens it
            }
            throw errors.retry("writing " + rows.size() + " rows to " + config.path(), e);
        }
    }

    @Override
    public void stop() {
        closeWriter();
    }

    private void closeWriter() {
        if (writer != null) {
            try {
                writer.close();
            } catch (SQLException e) {
                LOG.warn("closing {} failed: {}", config.path(), e.getMessage());
            }
            writer = null;
        }
    }
}
