package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.MonthlyActivityRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite side of the sink: schema, and one transaction per batch of upserts/deletes with bound
 * parameters only (the table name is a validated identifier).
 */
public final class SqliteMonthlyActivityWriter implements AutoCloseable {
    private final Connection connection;
    private final String table;
    private final int batchMaxRecords;

    public SqliteMonthlyActivityWriter(Path path, String table, int busyTimeoutMs, int batchMaxRecords) throws SQLException {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create the directory of " + path + ": " + e.getMessage(), e);
        }
        this.table = table;
        this.batchMaxRecords = batchMaxRecords;
        Connection opened = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
        try {
            prepare(opened, table, busyTimeoutMs);
        } catch (SQLException | RuntimeException e) {
            // E.g. SQLITE_BUSY while another writer holds the lock: the task retries the open, and every attempt
            // would otherwise leave one more open connection (a file handle and native memory) behind.
            try {
                opened.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        this.connection = opened;
    }

    private static void prepare(Connection connection, String table, int busyTimeoutMs) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute(MonthlyActivityTable.createTable(table));
            s.execute("CREATE VIEW IF NOT EXISTS aggregate_commits AS SELECT repo, month, commits AS commit_count FROM "
                    + table + " WHERE commits > 0");
            s.execute("CREATE VIEW IF NOT EXISTS aggregate_issues AS SELECT repo, month, issues_opened AS issue_count FROM "
                    + table + " WHERE issues_opened > 0");
        }
        connection.setAutoCommit(false);
    }

    /** Applies the records in order in one transaction; on error nothing of the batch is applied. */
    public void write(List<MonthlyActivityRecord> records) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(MonthlyActivityTable.upsert(table));
             PreparedStatement delete = connection.prepareStatement(MonthlyActivityTable.delete(table))) {
            int pending = 0;
            for (MonthlyActivityRecord r : records) {
                // Upserts and deletes of one key must apply in order: flush the other kind's batch first.
                if (r.isTombstone()) {
                    upsert.executeBatch();
                    delete.setString(1, r.repo());
                    delete.setString(2, r.month());
                    delete.executeUpdate();
                } else {
                    MonthlyActivityTable.bindUpsert(upsert, r.row());
                    upsert.addBatch();
                    if (++pending >= batchMaxRecords) {
                        upsert.executeBatch();
                        pending = 0;
                    }
                }
            }
            upsert.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    /** Busy, locked, I/O and full-disk errors may pass; anything else (corruption, schema) will not. */
    public static boolean isTransient(SQLException e) {
        if (e instanceof SQLiteException s) {
            SQLiteErrorCode code = s.getResultCode();
            int primary = code.code & 0xff;
            return primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code
                    || primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_FULL.code
                    || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code;
        }
        return false;
    }

    /** I/O errors and a file that cannot be opened may leave the connection unusable: open a new one. */
    public static boolean needsReopen(SQLException e) {
        if (e instanceof SQLiteException s) {
            int primary = s.getResultCode().code & 0xff;
            return primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code;
        }
        return false;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
