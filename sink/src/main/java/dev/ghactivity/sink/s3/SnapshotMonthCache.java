package dev.ghactivity.sink.s3;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One partition's snapshot rows in memory: month -> repo -> latest row as a JSON line, least recently used
 * month first. A month is loaded when first touched; once written (clean), months beyond {@code maxMonths} are
 * dropped and loaded again when touched.
 */
final class SnapshotMonthCache {
    private final Map<String, TreeMap<String, String>> months = new LinkedHashMap<>(16, 0.75f, true);
    private final TreeSet<String> dirty = new TreeSet<>();
    private final int maxMonths;

    SnapshotMonthCache(int maxMonths) {
        this.maxMonths = maxMonths;
    }

    /** The rows of {@code month} (repo -> line), loaded with {@code load} if absent; the month counts as changed. */
    TreeMap<String, String> change(String month, Function<String, TreeMap<String, String>> load) {
        TreeMap<String, String> rows = months.get(month);
        if (rows == null) {
            rows = load.apply(month);
            months.put(month, rows);
        }
        dirty.add(month);
        return rows;
    }

    /** The changed months, in order. */
    List<String> dirtyMonths() {
        return new ArrayList<>(dirty);
    }

    /** The lines of a changed month, ordered by repo. */
    List<String> lines(String month) {
        return new ArrayList<>(months.get(month).values());
    }

    void written(String month) {
        dirty.remove(month);
    }

    /** Drops the least recently used clean months beyond the limit: their objects hold exactly their rows. */
    void evictClean() {
        Iterator<String> leastRecentFirst = months.keySet().iterator();
        while (months.size() > maxMonths && leastRecentFirst.hasNext()) {
            if (!dirty.contains(leastRecentFirst.next())) {
                leastRecentFirst.remove();
            }
        }
    }
}
