package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.MonthlyActivityRecord;
import dev.ghactivity.sink.Versions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
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
    private ErrantRecordReporter reporter;
    private int retriesLeft;

    @Override
    public String version() {
        return Versions.version();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new SqliteSinkConfig(props);
        retriesLeft = config.maxRetries();
        try {
            reporter = context == null ? null : context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null; // a worker older than Kafka 2.6
        }
        openWriter();
    }

    private void openWriter() {
        try {
            writer = new SqliteMonthlyActivityWriter(config.path(), config.table(), config.busyTimeoutMs(), config.batchMaxRecords());
            LOG.info("SQLite sink writing {} (table {}, views aggregate_commits, aggregate_issues)", config.path(), config.table());
        } catch (SQLException e) {
            writer = null;
            if (SqliteMonthlyActivityWriter.isTransient(e)) {
                throw retry("cannot open " + config.path(), e);
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
                report(record, e);
            }
        }
        try {
            writer.write(rows);
            retriesLeft = config.maxRetries();
        } catch (SQLException e) {
            if (!SqliteMonthlyActivityWriter.isTransient(e)) {
                throw new ConnectException("SQLite write to " + config.path() + " failed: " + e.getMessage(), e);
            }
            throw retry("writing " + rows.size() + " rows to " + config.path(), e);
        }
    }

    private RetriableException retry(String what, SQLException e) {
        if (retriesLeft <= 0) {
            throw new ConnectException(what + " failed " + (config.maxRetries() + 1) + " times (" + e.getMessage()
                    + "); is another process holding the database, or the disk full? Restart the task once it is fixed.", e);
        }
        retriesLeft--;
        LOG.warn("{} failed transiently ({}); retrying in {} ms, {} retries left", what, e.getMessage(), config.retryBackoffMs(), retriesLeft);
        if (context != null) {
            context.timeout(config.retryBackoffMs());
        }
        return new RetriableException(what + ": " + e.getMessage(), e);
    }

    private void report(SinkRecord record, DataException e) {
        if (reporter == null) {
            throw new ConnectException("bad record at " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset()
                    + ": " + e.getMessage() + " (set errors.tolerance=all and errors.deadletterqueue.topic.name to skip such records)", e);
        }
        LOG.warn("record {}-{}@{} sent to the dead-letter queue: {}", record.topic(), record.kafkaPartition(), record.kafkaOffset(), e.getMessage());
        reporter.report(record, e);
    }

    @Override
    public void stop() {
        if (writer != null) {
            try {
                writer.close();
            } catch (SQLException e) {
                LOG.warn("closing {} failed: {}", config.path(), e.getMessage());
            }
        }
    }
}
