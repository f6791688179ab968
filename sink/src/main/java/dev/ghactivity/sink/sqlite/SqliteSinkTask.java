package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.MonthlyActivityRecord;
import dev.ghactivity.sink.SinkTaskErrors;
import dev.ghactivity.sink.Versions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each {@code put()} batch in one SQLite transaction. Values are absolute, so a redelivered batch
 * (after a retry or a restart) writes the same rows again and changes nothing.
 */
public final class SqliteSinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteSinkTask.class);

    private SqliteSinkConfig config;
    private SqliteMonthlyActivityWriter writer;
    private SinkTaskErrors errors;
    /** Per partition, the highest offset sent to the dead-letter queue: a redelivered batch does not send it twice. */
    private final Map<TopicPartition, Long> reportedThrough = new HashMap<>();

    @Override
    public String version() {
        return Versions.version();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new SqliteSinkConfig(props);
        errors = new SinkTaskErrors(LOG, context, config.maxRetries(), config.retryBackoffMs(),
                "is another process holding " + config.path() + ", or is the disk full?");
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
            throw new ConnectException("cannot open SQLite database " + config.path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (writer == null) {
            openWriter();
        }
        if (records.isEmpty()) {
            return;
        }
        List<MonthlyActivityRecord> rows = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            try {
                rows.add(MonthlyActivityRecord.from(record));
            } catch (DataException e) {
                TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
                if (record.kafkaOffset() > reportedThrough.getOrDefault(tp, -1L)) {
                    errors.report(record, e);
                    reportedThrough.put(tp, record.kafkaOffset());
                }
            }
        }
        try {
            writer.write(rows);
            errors.succeeded();
        } catch (SQLException e) {
            if (!SqliteMonthlyActivityWriter.isTransient(e)) {
                throw new ConnectException("SQLite write to " + config.path() + " failed: " + e.getMessage(), e);
            }
            if (SqliteMonthlyActivityWriter.needsReopen(e)) {
                closeWriter(); // a fresh connection after an I/O error; the next put() opens it
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
