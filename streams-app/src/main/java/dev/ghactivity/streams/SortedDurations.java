package dev.ghactivity.streams;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The durations of one (repo, month, kind) as a sorted array of milliseconds (a multiset: equal durations repeat),
 * so a percentile is one index and an update one binary search. Exact, not a sketch: a month holds at most its
 * merged PRs or closed issues, 8 bytes each.
 */
final class SortedDurations {
    private SortedDurations() {
    }

    static long[] plus(long[] sorted, long millis) {
        int at = Arrays.binarySearch(sorted, millis);
        int insert = at >= 0 ? at : -at - 1;
        long[] result = new long[sorted.length + 1];
        System.arraycopy(sorted, 0, result, 0, insert);
        result[insert] = millis;
        System.arraycopy(sorted, insert, result, insert + 1, sorted.length - insert);
        return result;
    }

    /** Removes one occurrence; an absent value (never added) leaves the array as it is. */
    static long[] minus(long[] sorted, long millis) {
        int at = Arrays.binarySearch(sorted, millis);
        if (at < 0) {
            return sorted;
        }
        long[] result = new long[sorted.length - 1];
        System.arraycopy(sorted, 0, result, 0, at);
        System.arraycopy(sorted, at + 1, result, at, sorted.length - at - 1);
        return result;
    }

    /**
     * Nearest-rank percentile: the value at rank ceil(p/100 x n), 1-based, of the sorted values
     * (en.wikipedia.org/wiki/Percentile, "The nearest-rank method"); {@link MonthCounters#NONE} when empty.
     */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return MonthCounters.NONE;
        }
        int rank = (int) Math.max(1, ((long) p * sorted.length + 99) / 100);
        return sorted[rank - 1];
    }

    static Serde<long[]> serde() {
        Serializer<long[]> serializer = (topic, v) -> {
            if (v == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(v.length * Long.BYTES);
            for (long x : v) {
                b.putLong(x);
            }
            return b.array();
        };
        Deserializer<long[]> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long[] v = new long[bytes.length / Long.BYTES];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getLong();
            }
            return v;
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
