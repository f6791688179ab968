package dev.ghactivity.sink.s3;

import dev.ghactivity.sink.MonthlyActivityRecord;
import dev.ghactivity.sink.SinkTaskErrors;
import dev.ghactivity.sink.Versions;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Buffers rows per Kafka partition and writes them to S3 on size or time (idle partitions too: Connect calls
 * {@code put} with empty batches and {@code preCommit} regularly). Only offsets whose rows are in S3 are handed to
 * Connect for commit, so a crash re-reads, and rewrites, what was not flushed. How rows become objects is the
 * {@link SnapshotWriter}'s or the {@link ChangelogWriter}'s job, one per partition.
 */
public final class S3SinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(S3SinkTask.class);

    private S3SinkConfig config;
    private S3ObjectStore store;
    private JsonLinesObjects objects;
    private SinkTaskErrors errors;
    private S3Failures failures;
    private final Map<TopicPartition, PartitionBuffer> buffers = new HashMap<>();
    private LongSupplier clock = System::currentTimeMillis;

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
        return objects.putRequests();
    }

    /** Number of snapshot objects read back (once per month and partition, again after it was dropped from memory). */
    public long getRequests() {
        return objects.getRequests();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new S3SinkConfig(props);
        store = new S3ObjectStore(config);
        objects = new JsonLinesObjects(store, config.compression());
        errors = new SinkTaskErrors(LOG, context, config.maxRetries(), config.retryBackoffMs(),
                "check the endpoint, bucket and credentials.");
        failures = new S3Failures(errors);
        if (config.bucketCreate()) {
            try {
                store.createBucketIfMissing();
            } catch (SdkException e) {
                throw failures.of("creating bucket " + config.bucket(), e);
            }
        }
        LOG.info("S3 sink writing {} mode to s3://{}/{} at {}", config.mode().name().toLowerCase(), config.bucket(), config.prefix(),
                config.endpoint() == null ? "AWS" : config.endpoint());
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> buffers.computeIfAbsent(tp, this::newBuffer));
    }

    private PartitionBuffer newBuffer(TopicPartition tp) {
        ObjectNames names = new ObjectNames(config.prefix(), tp, objects.extension());
        return new PartitionBuffer(tp, firstOffset -> config.mode() == S3SinkConfig.Mode.SNAPSHOT
                ? new SnapshotWriter(objects, names, failures, config.snapshotCachedMonths())
                : new ChangelogWriter(objects, names, firstOffset));
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
            if (buffer != null && buffer.hasUnflushed() && config.mode() == S3SinkConfig.Mode.SNAPSHOT) {
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
            PartitionBuffer buffer = buffers.computeIfAbsent(new TopicPartition(record.topic(), record.kafkaPartition()), this::newBuffer);
            if (buffer.applied(record.kafkaOffset())) {
                continue; // redelivered after a retriable failure: already applied
            }
            MonthlyActivityRecord row = null;
            try {
                row = MonthlyActivityRecord.from(record);
            } catch (DataException e) {
                errors.report(record, e);
            }
            buffer.apply(record.kafkaOffset(), row, clock.getAsLong());
        }
        flushDue(true);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        flushDue(false); // opportunistic: a failure leaves the rows buffered for put() to retry (and count)
        Map<TopicPartition, OffsetAndMetadata> durable = new HashMap<>();
        buffers.forEach((tp, buffer) -> {
            OffsetAndMetadata consumed = currentOffsets.get(tp);
            if (consumed == null) {
                return;
            }
            if (buffer.allFlushed() && consumed.offset() > 0) {
                // Every row delivered is in S3; records Connect skipped after it (refused by a converter) need no object.
                durable.put(tp, consumed);
            } else if (buffer.flushedOffset() >= 0) {
                durable.put(tp, new OffsetAndMetadata(buffer.flushedOffset()));
            }
        });
        return durable;
    }

    /** Flushes the partitions due by size or time; a failure is thrown as put() must throw it, or only logged. */
    private void flushDue(boolean throwFailure) {
        long now = clock.getAsLong();
        for (PartitionBuffer buffer : buffers.values()) {
            if (buffer.isDue(now, config.flushMaxRecords(), config.flushIntervalMs())) {
                try {
                    buffer.flush();
                    failures.succeeded();
                } catch (SdkException e) {
                    if (throwFailure) {
                        throw failures.of("writing " + buffer.tp + " to s3://" + config.bucket(), e);
                    }
                    LOG.debug("flush of {} before commit failed ({}), committing what is in S3", buffer.tp, S3ObjectStore.describe(e));
                }
            }
        }
    }

    @Override
    public void stop() {
        if (store != null) {
            store.close();
        }
    }
}
