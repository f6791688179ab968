package dev.ghactivity.sink.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.sink.MonthlyActivityRecord;
import dev.ghactivity.sink.SinkTaskErrors;
import dev.ghactivity.sink.Versions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Buffers rows per Kafka partition and month, and writes them to S3 on size or time (idle partitions
 * too: Connect calls {@code put} with empty batches and {@code preCommit} regularly). Only offsets whose
 * rows are in S3 are handed to Connect for commit, so a crash re-reads, and rewrites, what was not flushed.
 *
 * <p>Snapshot mode keeps, per partition and month, the latest row of every repository and rewrites the
 * whole object {@code <prefix>/month=YYYY-MM/part-<partition>}: after a restart the object is read back
 * the first time its month is touched, so repositories written before are kept. Changelog mode appends
 * objects {@code <prefix>/changelog/month=YYYY-MM/<topic>+<partition>+<startOffset>} with one line per record.
 * Where a time-based flush cut them can differ after a restart, so before its first write to a month the
 * task deletes that partition's objects starting at or after the first offset it was given: they were
 * written after the last commit and their records are being rewritten (nothing doubles, nothing is lost).
 */
public final class S3SinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(S3SinkTask.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private S3SinkConfig config;
    private S3ObjectStore store;
    private SinkTaskErrors errors;
    private final Map<TopicPartition, PartitionBuffer> buffers = new HashMap<>();
    private LongSupplier clock = System::currentTimeMillis;
    private long puts;
    private long gets;

    @Override
    public String version() {
        return Versions.version();
    }

    /** For tests: a controllable clock instead of the wall clock. */
    void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** Number of PUT requests made (benchmarks report rows per PUT). */
    public long putRequests() {
        return puts;
    }

    /** Number of snapshot objects read back (once per month and partition, again after it was dropped from memory). */
    public long getRequests() {
        return gets;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new S3SinkConfig(props);
        store = new S3ObjectStore(config);
        errors = new SinkTaskErrors(LOG, context, config.maxRetries(), config.retryBackoffMs(),
                "check the endpoint, bucket and credentials.");
        if (config.bucketCreate()) {
            try {
                store.createBucketIfMissing();
            } catch (SdkException e) {
                throw failure("creating bucket " + config.bucket(), e);
            }
        }
        LOG.info("S3 sink writing {} mode to s3://{}/{} at {}", config.mode().name().toLowerCase(), config.bucket(), config.prefix(),
                config.endpoint() == null ? "AWS" : config.endpoint());
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> buffers.putIfAbsent(tp, new PartitionBuffer(tp)));
    }

    /**
     * Connect committed what preCommit returned just before this; what is still buffered is re-read by the
     * partition's next owner. Snapshot objects are brought up to date anyway (the next owner reads them back
     * and re-applies the same records); changelog objects would only be deleted and rewritten by it.
     */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionBuffer buffer = buffers.remove(tp);
            if (buffer != null && buffer.unflushed > 0 && config.mode() == S3SinkConfig.Mode.SNAPSHOT) {
                try {
                    buffer.flush();
                } catch (SdkException e) {
                    // Not committed: the next owner of the partition re-reads these records.
                    LOG.warn("could not flush {} on close ({}); its records will be re-read", tp, e.getMessage());
                }
            }
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
            PartitionBuffer buffer = buffers.computeIfAbsent(tp, PartitionBuffer::new);
            if (record.kafkaOffset() <= buffer.lastOffset) {
                continue; // redelivered after a retriable failure: already applied
            }
            if (buffer.firstOffset < 0) {
                buffer.firstOffset = record.kafkaOffset(); // the committed position: what follows is rewritten
            }
            MonthlyActivityRecord row;
            try {
                row = MonthlyActivityRecord.from(record);
            } catch (DataException e) {
                errors.report(record, e);
                buffer.lastOffset = record.kafkaOffset();
                buffer.touch(clock.getAsLong());
                continue;
            }
            try {
                buffer.apply(row);
            } catch (SdkException e) {
                throw failure("reading back s3://" + config.bucket() + "/" + buffer.snapshotKey(row.month()), e);
            }
            buffer.lastOffset = record.kafkaOffset();
            buffer.touch(clock.getAsLong());
        }
        flushDue();
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        // An opportunistic flush: a failure here leaves the rows buffered for put() to retry (and count).
        long now = clock.getAsLong();
        for (PartitionBuffer buffer : buffers.values()) {
            if (buffer.isDue(now)) {
                try {
                    buffer.flush();
                    errors.succeeded();
                } catch (SdkException e) {
                    LOG.debug("flush of {} before commit failed ({}), committing what is in S3", buffer.tp, S3ObjectStore.describe(e));
                }
            }
        }
        Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
        buffers.forEach((tp, buffer) -> {
            if (buffer.flushedOffset >= 0 && currentOffsets.containsKey(tp)) {
                durable.put(tp, new OffsetAndMetadata(buffer.flushedOffset));
            }
        });
        return durable;
    }

    private void flushDue() {
        long now = clock.getAsLong();
        for (PartitionBuffer buffer : buffers.values()) {
            if (buffer.isDue(now)) {
                try {
                    buffer.flush();
                    errors.succeeded();
                } catch (SdkException e) {
                    throw failure("writing " + buffer.tp + " to s3://" + config.bucket(), e);
                }
            }
        }
    }

    /** A transient failure is retried (up to max.retries); a refusal will not pass by itself and stops the task. */
    private RuntimeException failure(String what, SdkException e) {
        if (S3ObjectStore.isTransient(e)) {
            return errors.retry(what, e);
        }
        return new ConnectException(what + " was refused (" + S3ObjectStore.describe(e) + "): check " + S3SinkConfig.BUCKET
                + ", the credentials and their permissions. Nothing unwritten was committed; restart the task once it is fixed.", e);
    }

    @Override
    public void stop() {
        if (store != null) {
            store.close();
        }
    }

    private byte[] encode(List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = config.compression() == S3SinkConfig.Compression.GZIP ? new GZIPOutputStream(bytes) : bytes) {
            for (String line : lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private List<String> decode(byte[] object) {
        try (InputStream in = config.compression() == S3SinkConfig.Compression.GZIP
                ? new GZIPInputStream(new ByteArrayInputStream(object)) : new ByteArrayInputStream(object);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void putObject(String key, List<String> lines) {
        store.put(key, encode(lines), config.compression() == S3SinkConfig.Compression.GZIP ? "gzip" : null);
        puts++;
    }

    /** What one partition has buffered and where it stands. */
    private final class PartitionBuffer {
        final TopicPartition tp;
        /**
         * snapshot: month -> repo -> latest row as a JSON line (every repo of the month on this partition), least
         * recently used first: clean months beyond s3.snapshot.cached.months are dropped and read back when touched.
         */
        final Map<String, TreeMap<String, String>> snapshot = new LinkedHashMap<>(16, 0.75f, true);
        final Map<String, Boolean> dirtyMonths = new TreeMap<>();
        /** changelog: month -> lines since the last flush, and the offset of the first. */
        final Map<String, List<String>> changelog = new TreeMap<>();
        final Map<String, Long> changelogStart = new HashMap<>();
        /** changelog: months whose objects written after the last commit are already deleted. */
        final Set<String> staleRemoved = new HashSet<>();
        long firstOffset = -1;
        long lastOffset = -1;
        long flushedOffset = -1;
        int unflushed;
        long firstUnflushedAt;

        PartitionBuffer(TopicPartition tp) {
            this.tp = tp;
        }

        boolean isDue(long now) {
            return unflushed >= config.flushMaxRecords() || unflushed > 0 && now - firstUnflushedAt >= config.flushIntervalMs();
        }

        void touch(long now) {
            if (unflushed++ == 0) {
                firstUnflushedAt = now;
            }
        }

        String snapshotKey(String month) {
            return config.prefix() + "/month=" + month + "/part-" + tp.partition() + config.compression().extension;
        }

        String changelogKey(String month, long startOffset) {
            return config.prefix() + "/changelog/month=" + month + "/" + tp.topic() + "+" + tp.partition() + "+"
                    + String.format("%020d", startOffset) + config.compression().extension;
        }

        void apply(MonthlyActivityRecord r) {
            if (config.mode() == S3SinkConfig.Mode.SNAPSHOT) {
                TreeMap<String, String> rows = snapshot.get(r.month());
                if (rows == null) {
                    rows = load(r.month());
                    snapshot.put(r.month(), rows);
                }
                if (r.isTombstone()) {
                    rows.remove(r.repo());
                } else {
                    rows.put(r.repo(), r.toJson().toString());
                }
                dirtyMonths.put(r.month(), Boolean.TRUE);
            } else {
                ObjectNode line = r.isTombstone()
                        ? JSON.createObjectNode().put("repo", r.repo()).put("month", r.month()).put("deleted", true)
                        : r.toJson();
                line.put("offset", r.offset());
                changelog.computeIfAbsent(r.month(), m -> new ArrayList<>()).add(line.toString());
                changelogStart.putIfAbsent(r.month(), r.offset());
            }
        }

        private TreeMap<String, String> load(String month) {
            TreeMap<String, String> rows = new TreeMap<>();
            gets++;
            store.get(snapshotKey(month)).ifPresent(bytes -> {
                List<String> lines;
                try {
                    lines = decode(bytes);
                } catch (UncheckedIOException e) {
                    throw new ConnectException("s3://" + config.bucket() + "/" + snapshotKey(month) + " is not "
                            + config.compression().name().toLowerCase() + " JSON Lines (" + e.getCause().getMessage()
                            + "); the sink rewrites this object: move it away or fix " + S3SinkConfig.COMPRESSION, e);
                }
                for (String line : lines) {
                    try {
                        rows.put(JSON.readTree(line).get("repo").asText(), line);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("skipping unreadable line of s3://{}/{}: {}", config.bucket(), snapshotKey(month), e.getMessage());
                    }
                }
            });
            return rows;
        }

        /** Deletes this partition's objects of {@code month} that start at or after {@link #firstOffset}. */
        private void removeUncommitted(String month) {
            String partitionPrefix = config.prefix() + "/changelog/month=" + month + "/" + tp.topic() + "+" + tp.partition() + "+";
            String startAfter = firstOffset > 0 ? changelogKey(month, firstOffset - 1) : null;
            for (String key : store.list(partitionPrefix, startAfter)) {
                String rest = key.substring(partitionPrefix.length());
                int digits = rest.indexOf('.');
                if (digits == 20 && rest.chars().limit(20).allMatch(Character::isDigit) && Long.parseLong(rest.substring(0, 20)) >= firstOffset) {
                    LOG.info("deleting s3://{}/{}: written after the last commit, its records are being rewritten", config.bucket(), key);
                    store.delete(key);
                }
            }
        }

        void flush() {
            if (config.mode() == S3SinkConfig.Mode.SNAPSHOT) {
                for (String month : new ArrayList<>(dirtyMonths.keySet())) {
                    putObject(snapshotKey(month), new ArrayList<>(snapshot.get(month).values()));
                    dirtyMonths.remove(month);
                }
                Iterator<String> leastRecentFirst = snapshot.keySet().iterator();
                while (snapshot.size() > config.snapshotCachedMonths() && leastRecentFirst.hasNext()) {
                    leastRecentFirst.next();
                    leastRecentFirst.remove(); // every month is clean now: its object holds exactly these rows
                }
            } else {
                for (String month : new ArrayList<>(changelog.keySet())) {
                    if (!staleRemoved.contains(month)) {
                        removeUncommitted(month);
                        staleRemoved.add(month);
                    }
                    putObject(changelogKey(month, changelogStart.get(month)), changelog.get(month));
                    changelog.remove(month);
                    changelogStart.remove(month);
                }
            }
            flushedOffset = lastOffset + 1;
            unflushed = 0;
        }
    }
}
