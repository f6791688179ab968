package dev.ghactivity.sink.s3;

import dev.ghactivity.sink.MonthlyActivityRecord;
import java.util.function.LongFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Where one partition stands: the offsets applied and flushed, and when the oldest unflushed record came. The
 * writer is made at the first record, when the committed position the delivery starts at is known.
 */
final class PartitionBuffer {
    final TopicPartition tp;
    private final LongFunction<PartitionWriter> writerFrom;
    private PartitionWriter writer;
    private long lastOffset = -1;
    private long flushedOffset = -1;
    private int unflushed;
    private long firstUnflushedAt;

    /** @param writerFrom the writer for a delivery that starts at the given offset */
    PartitionBuffer(TopicPartition tp, LongFunction<PartitionWriter> writerFrom) {
        this.tp = tp;
        this.writerFrom = writerFrom;
    }

    /** True for an offset already applied: a redelivery after a retriable failure. */
    boolean applied(long offset) {
        return offset <= lastOffset;
    }

    /** Applies a record ({@code row} null: one only counted, e.g. reported to the dead-letter queue) received at {@code now}. */
    void apply(long offset, MonthlyActivityRecord row, long now) {
        if (writer == null) {
            writer = writerFrom.apply(offset); // the committed position: what follows is rewritten
        }
        if (row != null) {
            writer.apply(row);
        }
        lastOffset = offset;
        if (unflushed++ == 0) {
            firstUnflushedAt = now;
        }
    }

    boolean isDue(long now, int maxRecords, long intervalMs) {
        return unflushed >= maxRecords || unflushed > 0 && now - firstUnflushedAt >= intervalMs;
    }

    boolean hasUnflushed() {
        return unflushed > 0;
    }

    void flush() {
        if (writer != null) {
            writer.flush();
        }
        flushedOffset = lastOffset + 1;
        unflushed = 0;
    }

    /** The offset to commit: everything before it is in S3; -1 before the first flush. */
    long flushedOffset() {
        return flushedOffset;
    }
}
