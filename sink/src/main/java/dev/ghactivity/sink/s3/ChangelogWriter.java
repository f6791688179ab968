package dev.ghactivity.sink.s3;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.sink.MonthlyActivityRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changelog mode: each flush appends, per month, one object {@link ObjectNames#changelog} with one line per record
 * (a tombstone as {@code "deleted": true}), each with its offset. Where a time-based flush cut them can differ
 * after a restart, so before its first write to a month this writer deletes the partition's objects starting at
 * or after the first offset it was given: they were written after the last commit and their records are being
 * rewritten (nothing doubles, nothing is lost).
 */
final class ChangelogWriter implements PartitionWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ChangelogWriter.class);

    private final JsonLinesObjects objects;
    private final ObjectNames names;
    /** The committed position the partition's delivery started at. */
    private final long firstOffset;
    /** month -> lines since the last flush, and the offset of the first. */
    private final Map<String, List<String>> lines = new TreeMap<>();
    private final Map<String, Long> startOffsets = new HashMap<>();
    /** Months whose objects written after the last commit are already deleted. */
    private final Set<String> cleaned = new HashSet<>();

    ChangelogWriter(JsonLinesObjects objects, ObjectNames names, long firstOffset) {
        this.objects = objects;
        this.names = names;
        this.firstOffset = firstOffset;
    }

    @Override
    public void apply(MonthlyActivityRecord r) {
        ObjectNode line = r.isTombstone()
                ? JsonNodeFactory.instance.objectNode().put("repo", r.repo()).put("month", r.month()).put("deleted", true)
                : r.toJson();
        line.put("offset", r.offset());
        lines.computeIfAbsent(r.month(), m -> new ArrayList<>()).add(line.toString());
        startOffsets.putIfAbsent(r.month(), r.offset());
    }

    @Override
    public void flush() {
        for (String month : new ArrayList<>(lines.keySet())) {
            if (!cleaned.contains(month)) {
                removeUncommitted(month);
                cleaned.add(month);
            }
            objects.put(names.changelog(month, startOffsets.get(month)), lines.get(month));
            lines.remove(month);
            startOffsets.remove(month);
        }
    }

    /** Deletes this partition's objects of {@code month} that start at or after {@link #firstOffset}. */
    private void removeUncommitted(String month) {
        String startAfter = firstOffset > 0 ? names.changelog(month, firstOffset - 1) : null;
        for (String key : objects.list(names.changelogPrefix(month), startAfter)) {
            if (names.startOffsetOf(month, key) >= firstOffset) {
                LOG.info("deleting s3://{}/{}: written after the last commit, its records are being rewritten", objects.bucket(), key);
                objects.delete(key);
            }
        }
    }
}
