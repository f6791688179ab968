package dev.ghactivity.producer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Content digests of the items inside the overlap window. Every incremental poll re-reads that window (to catch
 * items that appeared late with older dates); an item whose content did not change since the last poll is not
 * published again, so an idle repository publishes nothing.
 *
 * <p>An item counts as unchanged only when its SHA-256 digest is the one stored for its key. A collision would make
 * a changed item look unchanged and skip the change, so the digest must make one impossible in practice: SHA-256
 * has no known collision, against 2^32 items for an even chance with a 64-bit hash (and none needed to be found by
 * chance with FNV-1a, which anyone editing an issue title can aim at). The cursor keeps each as a map key
 * {@code itemKey@digest} (value: the item's date, epoch millis), so its Avro schema is unchanged; an entry of an
 * older cursor (a bare key) matches nothing, which costs one re-publish of an unchanged item, replaced under its key.
 */
final class RecentItems {
    private static final char SEPARATOR = '@';

    private final Map<String, Long> previous;
    private final Map<String, Entry> seen = new HashMap<>();
    private final Duration overlap;

    private record Entry(String digest, Instant at) {
    }

    RecentItems(Map<String, Long> previous, Duration overlap) {
        this.previous = previous == null ? Map.of() : previous;
        this.overlap = overlap;
    }

    /** True when the item was published with this very content (same digest) by the previous poll. */
    boolean unchanged(String key, String digest) {
        return previous.containsKey(key + SEPARATOR + digest);
    }

    void seen(String key, String digest, Instant at, Instant newest) {
        seen.put(key, new Entry(digest, at));
        if (seen.size() > 10_000) {
            prune(newest);
        }
    }

    /** Whether an item dated {@code at} can be inside the window, so it is worth digesting. */
    boolean mayMatter(Instant at, Instant newest, Instant previousSince) {
        Instant window = newest == null ? null : newest.minus(overlap);
        Instant previousWindow = previousSince == null ? null : previousSince.minus(overlap);
        return window == null || !at.isBefore(window) || previousWindow != null && !at.isBefore(previousWindow);
    }

    /** What to store in the cursor: {@code itemKey@digest} to the item's date (epoch millis), within the window of {@code newest}. */
    Map<String, Long> window(Instant newest) {
        prune(newest);
        Map<String, Long> result = new HashMap<>();
        seen.forEach((k, e) -> result.put(k + SEPARATOR + e.digest(), e.at().toEpochMilli()));
        return result;
    }

    private void prune(Instant newest) {
        if (newest != null) {
            Instant start = newest.minus(overlap);
            seen.values().removeIf(e -> e.at().isBefore(start));
        }
    }

    /** SHA-256 of the item's encoding, base64url without padding (43 characters). */
    static String digest(byte[] bytes) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
