package dev.ghactivity.sink.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.sink.MonthlyActivityRecord;
import java.io.IOException;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Snapshot mode: per month, the latest row of every repository of the partition, rewritten whole as
 * {@link ObjectNames#snapshot}. After a restart the object is read back the first time its month is touched,
 * so repositories written before are kept.
 */
final class SnapshotWriter implements PartitionWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonLinesObjects objects;
    private final ObjectNames names;
    private final S3Failures failures;
    private final SnapshotMonthCache cache;

    SnapshotWriter(JsonLinesObjects objects, ObjectNames names, S3Failures failures, int cachedMonths) {
        this.objects = objects;
        this.names = names;
        this.failures = failures;
        this.cache = new SnapshotMonthCache(cachedMonths);
    }

    @Override
    public void apply(MonthlyActivityRecord r) {
        TreeMap<String, String> rows = cache.change(r.month(), this::load);
        if (r.isTombstone()) {
            rows.remove(r.repo());
        } else {
            rows.put(r.repo(), r.toJson().toString());
        }
    }

    @Override
    public void flush() {
        for (String month : cache.dirtyMonths()) {
            objects.put(names.snapshot(month), cache.lines(month));
            cache.written(month);
        }
        cache.evictClean();
    }

    private TreeMap<String, String> load(String month) {
        String key = names.snapshot(month);
        TreeMap<String, String> rows = new TreeMap<>();
        try {
            objects.get(key).ifPresent(lines -> lines.forEach(line -> {
                try {
                    rows.put(JSON.readTree(line).get("repo").asText(), line);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping unreadable line of s3://{}/{}: {}", objects.bucket(), key, e.getMessage());
                }
            }));
        } catch (SdkException e) {
            throw failures.of("reading back s3://" + objects.bucket() + "/" + key, e);
        }
        return rows;
    }
}
