package dev.ghactivity.streams;

import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The running totals of one (repo, month): its counters, the percentiles of its durations (milliseconds, kept
 * here so that building the month's row needs no read of the durations) and the time of the input change that last
 * changed them (epoch ms: the row's {@code updated_at}). Mutable: the aggregator changes a copy.
 * On the wire: {@value #SIZE} longs.
 */
final class MonthCounters {
    static final int COMMITS = 0;
    static final int BOT_COMMITS = 1;
    static final int COMMIT_AUTHORS = 2;
    static final int NEW_CONTRIBUTORS = 3;
    static final int ISSUES_OPENED = 4;
    static final int ISSUES_CLOSED = 5;
    static final int PRS_OPENED = 6;
    static final int PRS_MERGED = 7;
    static final int PRS_CLOSED_UNMERGED = 8;
    private static final int COUNTS = 9;
    static final int MERGE_P50 = 9;
    static final int MERGE_P90 = 10;
    static final int CLOSE_P50 = 11;
    static final int CLOSE_P90 = 12;
    private static final int TOTALS = 13;
    static final int UPDATED_AT = 13;
    static final int SIZE = 14;
    /** A percentile of no durations. */
    static final long NONE = Long.MIN_VALUE;
    private static final double MILLIS_PER_HOUR = 3_600_000.0;

    private final long[] values;

    private MonthCounters(long[] values) {
        this.values = values;
    }

    static MonthCounters zero() {
        long[] v = new long[SIZE];
        Arrays.fill(v, COUNTS, TOTALS, NONE);
        return new MonthCounters(v);
    }

    MonthCounters copy() {
        return new MonthCounters(values.clone());
    }

    void add(int counter, long delta) {
        values[counter] += delta;
    }

    void set(int field, long value) {
        values[field] = value;
    }

    long get(int field) {
        return values[field];
    }

    /** No count left (then no durations either): the month's row is deleted. */
    boolean isEmpty() {
        for (int i = 0; i < COUNTS; i++) {
            if (values[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Same counts and percentiles as {@code other} (whenever either was last changed). */
    boolean sameTotals(MonthCounters other) {
        return other != null && Arrays.equals(values, 0, TOTALS, other.values, 0, TOTALS);
    }

    /** The month's row: repo and month from the key, {@code updated_at} the time of the last input change. */
    MonthlyActivity toActivity(String monthKey) {
        long timestamp = values[UPDATED_AT];
        return MonthlyActivity.newBuilder()
                .setRepo(RecordKeys.repoOfMonthly(monthKey)).setMonth(RecordKeys.monthOfMonthly(monthKey))
                .setCommits(values[COMMITS]).setCommitAuthors(values[COMMIT_AUTHORS])
                .setIssuesOpened(values[ISSUES_OPENED]).setIssuesClosed(values[ISSUES_CLOSED])
                .setPrsOpened(values[PRS_OPENED]).setPrsMerged(values[PRS_MERGED])
                .setPrsClosedUnmerged(values[PRS_CLOSED_UNMERGED])
                .setPrMergeHoursP50(hours(values[MERGE_P50])).setPrMergeHoursP90(hours(values[MERGE_P90]))
                .setIssueCloseHoursP50(hours(values[CLOSE_P50])).setIssueCloseHoursP90(hours(values[CLOSE_P90]))
                .setBotCommits(values[BOT_COMMITS]).setNewContributors(values[NEW_CONTRIBUTORS])
                .setUpdatedAt(Instant.ofEpochMilli(Math.max(0, timestamp)))
                .build();
    }

    private static Double hours(long millis) {
        return millis == NONE ? null : millis / MILLIS_PER_HOUR;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MonthCounters other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }

    static Serde<MonthCounters> serde() {
        Serializer<MonthCounters> serializer = (topic, v) -> {
            if (v == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(SIZE * Long.BYTES);
            for (long x : v.values) {
                b.putLong(x);
            }
            return b.array();
        };
        Deserializer<MonthCounters> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long[] v = new long[SIZE];
            for (int i = 0; i < SIZE; i++) {
                v[i] = b.getLong();
            }
            return new MonthCounters(v);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
