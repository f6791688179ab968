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
    /** A record given but not applied (its read-back failed): Connect delivers it again. */
    private boolean applyFailed;
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
        applyFailed = true;
        if (row != null) {
            writer.apply(row);
        }
        applyFailed = false;
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

    /** True when every record given to this buffer is in S3: none waits for a flush, none failed to apply. */
    boolean allFlushed() {
        return unflushed == 0 && !applyFailed;
    }

    void flush() {
        if (writer != null) {
            writer.flush();
        }
        flushedOffset = lastOffset + 1;
        unflushed = 0;
    }

    /** The offset after the last record flushed: every record the task was given before it is in S3; -1 before the first flush. */
    long flushedOffset() {
        return flushedOffset;
    }
}
