package dev.ghactivity.schemas;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Function;

/**
 * The one definition of a monthly row outside Avro: its columns, in order, with their names and kinds. The
 * SQLite table and upsert, the S3 JSON lines, the query API's JSON and the sinks' Connect schema are all
 * generated from this list. Each name is the {@link MonthlyActivity} field of the same name
 * ({@code MonthlyActivityColumnTest} holds the two together).
 */
public enum MonthlyActivityColumn {
    REPO("repo", Kind.TEXT),
    MONTH("month", Kind.TEXT),
    COMMITS("commits", Kind.COUNT),
    COMMIT_AUTHORS("commit_authors", Kind.COUNT),
    ISSUES_OPENED("issues_opened", Kind.COUNT),
    ISSUES_CLOSED("issues_closed", Kind.COUNT),
    PRS_OPENED("prs_opened", Kind.COUNT),
    PRS_MERGED("prs_merged", Kind.COUNT),
    UPDATED_AT("updated_at", Kind.TIMESTAMP);

    /** What a column holds, and how SQLite and JSON store it. */
    public enum Kind {
        /** A string; SQL TEXT, a JSON string. */
        TEXT("TEXT"),
        /** A long of at least 0; SQL INTEGER, a JSON number. */
        COUNT("INTEGER"),
        /** An instant to the millisecond; SQL TEXT and a JSON string in ISO-8601 UTC ({@link Instant#toString}). */
        TIMESTAMP("TEXT");

        public final String sqlType;

        Kind(String sqlType) {
            this.sqlType = sqlType;
        }
    }

    /** Every column in table order. */
    public static final List<MonthlyActivityColumn> ALL = List.of(values());
    /** The identity of a row: the columns of the record key {@code owner/name|YYYY-MM}. */
    public static final List<MonthlyActivityColumn> KEY = List.of(REPO, MONTH);

    public final String column;
    public final Kind kind;

    MonthlyActivityColumn(String column, Kind kind) {
        this.column = column;
        this.kind = kind;
    }

    /** The row as a JSON object with exactly these columns, in this order. */
    public static ObjectNode toJson(MonthlyActivity row) {
        return toJson(row::get);
    }

    /**
     * The row as a JSON object with exactly these columns, in this order, reading each value by column name from
     * {@code field} (a MonthlyActivity, a Connect Struct, ...): counts are Numbers, timestamps an {@link Instant},
     * a {@link Date} or epoch milliseconds.
     */
    public static ObjectNode toJson(Function<String, Object> field) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        for (MonthlyActivityColumn c : ALL) {
            Object value = field.apply(c.column);
            switch (c.kind) {
                case TEXT -> n.put(c.column, (String) value);
                case COUNT -> n.put(c.column, ((Number) value).longValue());
                case TIMESTAMP -> n.put(c.column, instant(value).toString());
            }
        }
        return n;
    }

    /** A timestamp column's value as an Instant. */
    public static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof Date d) {
            return d.toInstant();
        }
        if (value instanceof Number millis) {
            return Instant.ofEpochMilli(millis.longValue());
        }
        throw new IllegalArgumentException("not a timestamp: " + (value == null ? "null" : value.getClass().getSimpleName()));
    }
}
