package dev.ghactivity.producer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Content hashes of the items inside the overlap window. Every incremental poll re-reads that window (to
 * catch items that appeared late with older dates); an item whose content did not change since the last
 * poll is not published again, so an idle repository publishes nothing.
 */
final class RecentItems {
    private final Map<String, Long> previous;
    private final Map<String, Entry> seen = new HashMap<>();
    private final Duration overlap;

    private record Entry(long hash, Instant at) {
    }

    RecentItems(Map<String, Long> previous, Duration overlap) {
        this.previous = previous == null ? Map.of() : previous;
        this.overlap = overlap;
    }

    /** True when the item was published with this very content by the previous poll. */
    boolean unchanged(String key, long hash) {
        return Objects.equals(previous.get(key), hash);
    }

    void seen(String key, long hash, Instant at, Instant newest) {
        seen.put(key, new Entry(hash, at));
        if (seen.size() > 10_000) {
            prune(newest);
        }
    }

    /** Whether an item dated {@code at} can be inside the window, so it is worth hashing. */
    boolean mayMatter(Instant at, Instant newest, Instant previousSince) {
        Instant window = newest == null ? null : newest.minus(overlap);
        Instant previousWindow = previousSince == null ? null : previousSince.minus(overlap);
        return window == null || !at.isBefore(window) || previousWindow != null && !at.isBefore(previousWindow);
    }

    /** The hashes to store in the cursor: the items within the overlap window of {@code newest}. */
    Map<String, Long> window(Instant newest) {
        prune(newest);
        Map<String, Long> result = new HashMap<>();
        seen.forEach((k, e) -> result.put(k, e.hash()));
        return result;
    }

    private void prune(Instant newest) {
        if (newest != null) {
            Instant start = newest.minus(overlap);
            seen.values().removeIf(e -> e.at().isBefore(start));
        }
    }

    /** 64-bit FNV-1a: fast, and collisions only cost one needless re-publish. */
    static long hash(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
