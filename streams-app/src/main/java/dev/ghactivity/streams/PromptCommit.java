package dev.ghactivity.streams;

import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks Kafka Streams to commit at once after a change that came after a pause. Under exactly-once a change is visible
 * downstream only when its transaction commits, and a lone change waits about a whole {@code commit.interval.ms} per
 * hop for it (measured: a hop takes the interval plus 10-20 ms, bench figure 5). A backfill's records follow each
 * other without pauses and keep committing every interval, in large transactions; a trickle of live changes commits
 * each change as it comes: at most one requested commit per {@value #PAUSE_MS} ms and processor.
 */
final class PromptCommit {
    /** A gap between two records of a task at least this long means the input is trickling, not streaming. */
    static final long PAUSE_MS = 10;

    private long lastRecordMs = Long.MIN_VALUE;

    /**
     * Call for every record processed; {@code forwarded} says whether it changed anything downstream (a record that
     * forwards nothing has nothing to hurry).
     */
    void processed(ProcessorContext<?, ?> context, boolean forwarded) {
        long now = context.currentSystemTimeMs();
        if (forwarded && (lastRecordMs == Long.MIN_VALUE || now - lastRecordMs >= PAUSE_MS)) {
            context.commit();
        }
        lastRecordMs = now;
    }
}
