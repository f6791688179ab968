package dev.ghactivity.sink.sqlite;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Settings of {@link SqliteSinkConnector}. */
public final class SqliteSinkConfig extends AbstractConfig {
    public static final String PATH = "sqlite.path";
    public static final String TABLE = "sqlite.table";
    public static final String BATCH_MAX_RECORDS = "batch.max.records";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String BUSY_TIMEOUT_MS = "sqlite.busy.timeout.ms";
    public static final String LINGER_MS = "sqlite.linger.ms";
    public static final String BUFFER_MAX_RECORDS = "sqlite.buffer.max.records";
    public static final String TRICKLE_PAUSE_MS = "sqlite.trickle.pause.ms";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(PATH, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Path of the SQLite database file; created with its table and views if absent.")
            .define(TABLE, Type.STRING, "monthly_activity", identifier(), Importance.MEDIUM,
                    "Table of the monthly rows. The seed-compatible views aggregate_commits and aggregate_issues read it.")
            .define(BATCH_MAX_RECORDS, Type.INT, 1000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Most rows sent to SQLite per JDBC batch; the rows of one transaction may take several batches.")
            .define(MAX_RETRIES, Type.INT, 10, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Retries of a transient database error (busy, locked, I/O) before the task fails.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 1000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "Wait before Connect redelivers a batch that hit a transient error.")
            .define(BUSY_TIMEOUT_MS, Type.INT, 5000, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long one statement waits for a lock held by another connection before it counts as busy.")
            .define(LINGER_MS, Type.LONG, 50L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long rows of consecutive put() calls may wait in memory so that they commit in one transaction "
                            + "(a transaction per put() of 500 records costs about half the throughput). Only the latest row per "
                            + "(repo, month) is kept. Rows are also committed at once when the consumer has caught up (an empty "
                            + "put(), or a put() that came after a pause, see " + TRICKLE_PAUSE_MS + "), when " + BUFFER_MAX_RECORDS + " rows wait, and before Connect commits offsets, "
                            + "so offsets never run ahead of the database. 0 commits every put().")
            .define(BUFFER_MAX_RECORDS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Most distinct (repo, month) rows held in memory before they are committed.")
            .define(TRICKLE_PAUSE_MS, Type.LONG, 5L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "A put() that comes at least this long after the previous one returned means Connect's consumer waited "
                            + "for new records: changes trickle in one at a time, and lingering would only delay them, so its rows "
                            + "commit at once. Batches of a backfill follow each other without a pause (a loopback fetch of records "
                            + "already in the log takes about a millisecond) and still linger.");

    public SqliteSinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
    }

    private static ConfigDef.Validator identifier() {
        return (name, value) -> {
            if (value == null || !((String) value).matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
                throw new ConfigException(name, value, "must be a plain SQL identifier: letters, digits and '_'");
            }
        };
    }

    public Path path() {
        return Path.of(getString(PATH));
    }

    public String table() {
        return getString(TABLE);
    }

    public int batchMaxRecords() {
        return getInt(BATCH_MAX_RECORDS);
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    public long lingerMs() {
        return getLong(LINGER_MS);
    }

    public long tricklePauseMs() {
        return getLong(TRICKLE_PAUSE_MS);
    }

    public int bufferMaxRecords() {
        return getInt(BUFFER_MAX_RECORDS);
    }

    public int busyTimeoutMs() {
        return getInt(BUSY_TIMEOUT_MS);
    }
}
