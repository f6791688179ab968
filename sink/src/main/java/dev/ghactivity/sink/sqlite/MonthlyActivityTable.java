package dev.ghactivity.sink.sqlite;

import static java.util.stream.Collectors.joining;

import dev.ghactivity.schemas.MonthlyActivityColumn;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.kafka.connect.data.Struct;

/**
 * The SQL of the monthly table, generated from {@link MonthlyActivityColumn}: one column per field, NOT NULL,
 * primary key {@code (repo, month)}. {@code table} must be a validated identifier ({@link SqliteSinkConfig#TABLE}).
 */
final class MonthlyActivityTable {
    private static final List<MonthlyActivityColumn> VALUES = MonthlyActivityColumn.ALL.stream()
            .filter(c -> !MonthlyActivityColumn.KEY.contains(c)).toList();

    private MonthlyActivityTable() {
    }

    static String createTable(String table) {
        return "CREATE TABLE IF NOT EXISTS " + table + " ("
                + MonthlyActivityColumn.ALL.stream().map(c -> c.column + " " + c.kind.sqlType + " NOT NULL").collect(joining(", "))
                + ", PRIMARY KEY (" + names(MonthlyActivityColumn.KEY) + "))";
    }

    /** An upsert of absolute values: the parameters are {@link #bindUpsert}'s. */
    static String upsert(String table) {
        return "INSERT INTO " + table + " (" + names(MonthlyActivityColumn.ALL) + ") VALUES ("
                + MonthlyActivityColumn.ALL.stream().map(c -> "?").collect(joining(", ")) + ") ON CONFLICT("
                + names(MonthlyActivityColumn.KEY) + ") DO UPDATE SET "
                + VALUES.stream().map(c -> c.column + " = excluded." + c.column).collect(joining(", "));
    }

    /** A delete by key: the parameters are repo and month. */
    static String delete(String table) {
        return "DELETE FROM " + table + " WHERE " + MonthlyActivityColumn.KEY.stream().map(c -> c.column + " = ?").collect(joining(" AND "));
    }

    /** Binds every column of {@code row} to {@code upsert}, in order; timestamps as ISO-8601 UTC text. */
    static void bindUpsert(PreparedStatement upsert, Struct row) throws SQLException {
        int i = 1;
        for (MonthlyActivityColumn c : MonthlyActivityColumn.ALL) {
            Object value = row.get(c.column);
            switch (c.kind) {
                case TEXT -> upsert.setString(i++, (String) value);
                case COUNT -> upsert.setLong(i++, (Long) value);
                case TIMESTAMP -> upsert.setString(i++, MonthlyActivityColumn.instant(value).toString());
            }
        }
    }

    private static String names(List<MonthlyActivityColumn> columns) {
        return columns.stream().map(c -> c.column).collect(joining(", "));
    }
}
