package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.MonthlyActivityRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import dev.ghactivity.schemas.MonthlyActivityColumn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite side of the sink: schema, and one transaction per batch of upserts/deletes with bound
 * parameters only (the table name is a validated identifier).
 */
public final class SqliteMonthlyActivityWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteMonthlyActivityWriter.class);

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
            addMissingColumns(s, table);
            s.execute("CREATE VIEW IF NOT EXISTS aggregate_commits AS SELECT repo, month, commits AS commit_count FROM "
                    + table + " WHERE commits > 0");
            s.execute("CREATE VIEW IF NOT EXISTS aggregate_issues AS SELECT repo, month, issues_opened AS issue_count FROM "
                    + table + " WHERE issues_opened > 0");
        }
        connection.setAutoCommit(false);
    }

    /**
     * A table made by an earlier release lacks the newer columns: adds them in place (their rows get 0 counts and
     * NULL hours until the streams-app re-emits them); the views, which name only the original columns, stay.
     */
    private static void addMissingColumns(Statement s, String table) throws SQLException {
        Set<String> present = new HashSet<>();
        try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                present.add(rs.getString("name"));
            }
        }
        for (MonthlyActivityColumn c : MonthlyActivityColumn.ALL) {
            if (!present.contains(c.column)) {
                s.execute(MonthlyActivityTable.addColumn(table, c));
                LOG.info("SQLite table {}: added column {} {} (a database of an earlier release)", table, c.column, c.kind.sqlDefinition);
            }
        }
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

    /**
     * Busy and locked (another connection holds the lock) and I/O errors may pass by themselves: retried. A read-only
     * file or directory, one that cannot be opened, a full disk and anything else (corruption, schema) stay until
     * someone acts: the task fails at once with {@link #permanentFailure} (result codes: https://sqlite.org/rescode.html).
     */
    public static boolean isTransient(SQLException e) {
        int primary = primaryCode(e);
        return primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code
                || primary == SQLiteErrorCode.SQLITE_IOERR.code;
    }

    /** I/O errors may leave the connection unusable: open a new one. */
    public static boolean needsReopen(SQLException e) {
        return primaryCode(e) == SQLiteErrorCode.SQLITE_IOERR.code;
    }

    /** What a non-transient failure on {@code path} means and what to do, as one line. */
    public static String permanentFailure(SQLException e, Path path) {
        int primary = primaryCode(e);
        Path file = path.toAbsolutePath();
        if (primary == SQLiteErrorCode.SQLITE_READONLY.code) {
            return "SQLite file " + file + " is read-only (" + e.getMessage() + "): make it and its directory writable "
                    + "(SQLite writes " + file.getFileName() + "-wal and -shm beside it), or choose another sqlite.path / --data-dir";
        }
        if (primary == SQLiteErrorCode.SQLITE_CANTOPEN.code) {
            return "SQLite file " + file + " cannot be opened (" + e.getMessage() + "): check that its directory exists and is "
                    + "writable and that the path is not a directory, or choose another sqlite.path / --data-dir";
        }
        if (primary == SQLiteErrorCode.SQLITE_FULL.code) {
            return "SQLite file " + file + ": the disk is full (" + e.getMessage() + "): free space on its file system, then start again";
        }
        return "SQLite file " + file + " failed: " + e.getMessage();
    }

    /** The primary result code (the low byte of an extended one), -1 for an error not from SQLite. */
    private static int primaryCode(SQLException e) {
        return e instanceof SQLiteException s ? s.getResultCode().code & 0xff : -1;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
