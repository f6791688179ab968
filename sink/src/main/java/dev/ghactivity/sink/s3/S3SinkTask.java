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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
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
                throw errors.retry("creating bucket " + config.bucket(), e);
            }
        }
        LOG.info("S3 sink writing {} mode to s3://{}/{} at {}", config.mode().name().toLowerCase(), config.bucket(), config.prefix(),
                config.endpoint() == null ? "AWS" : config.endpoint());
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> buffers.putIfAbsent(tp, new PartitionBuffer(tp)));
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionBuffer buffer = buffers.remove(tp);
            if (buffer != null && buffer.unflushed > 0) {
                try {
                    flush(buffer);
                } catch (RuntimeException e) {
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
                throw errors.retry("reading back " + buffer.snapshotKey(row.month()), e);
            }
            buffer.lastOffset = record.kafkaOffset();
            buffer.touch(clock.getAsLong());
        }
        flushDue();
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        try {
            flushDue();
        } catch (RetriableException e) {
            LOG.debug("flush before commit failed, committing what is in S3: {}", e.getMessage());
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
            if (buffer.unflushed >= config.flushMaxRecords()
                    || buffer.unflushed > 0 && now - buffer.firstUnflushedAt >= config.flushIntervalMs()) {
                flush(buffer);
            }
        }
    }

    private void flush(PartitionBuffer buffer) {
        try {
            buffer.flush();
            errors.succeeded();
        } catch (SdkException e) {
            throw errors.retry("writing " + buffer.tp + " to s3://" + config.bucket(), e);
        }
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
        /** snapshot: month -> repo -> latest row (every repo of the month on this partition). */
        final Map<String, TreeMap<String, ObjectNode>> snapshot = new HashMap<>();
        final Map<String, Boolean> dirtyMonths = new TreeMap<>();
        /** changelog: month -> lines since the last flush, and the offset of the first. */
        final Map<String, List<String>> changelog = new TreeMap<>();
        final Map<String, Long> changelogStart = new HashMap<>();
        long lastOffset = -1;
        long flushedOffset = -1;
        int unflushed;
        long firstUnflushedAt;

        PartitionBuffer(TopicPartition tp) {
            this.tp = tp;
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
                TreeMap<String, ObjectNode> rows = snapshot.get(r.month());
                if (rows == null) {
                    rows = load(r.month());
                    snapshot.put(r.month(), rows);
                }
                if (r.isTombstone()) {
                    rows.remove(r.repo());
                } else {
                    rows.put(r.repo(), r.toJson());
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

        private TreeMap<String, ObjectNode> load(String month) {
            TreeMap<String, ObjectNode> rows = new TreeMap<>();
            store.get(snapshotKey(month)).ifPresent(bytes -> {
                for (String line : decode(bytes)) {
                    try {
                        ObjectNode row = (ObjectNode) JSON.readTree(line);
                        rows.put(row.get("repo").asText(), row);
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("skipping unreadable line of s3://{}/{}: {}", config.bucket(), snapshotKey(month), e.getMessage());
                    }
                }
            });
            return rows;
        }

        void flush() {
            if (config.mode() == S3SinkConfig.Mode.SNAPSHOT) {
                for (String month : new ArrayList<>(dirtyMonths.keySet())) {
                    List<String> lines = new ArrayList<>();
                    snapshot.get(month).values().forEach(row -> lines.add(row.toString()));
                    putObject(snapshotKey(month), lines);
                    dirtyMonths.remove(month);
                }
            } else {
                for (String month : new ArrayList<>(changelog.keySet())) {
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
