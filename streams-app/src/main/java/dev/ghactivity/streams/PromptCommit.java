package dev.ghactivity.streams;

import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks Kafka Streams to commit at once after a change that came after a pause of its stream thread. Under exactly-once
 * a change is visible downstream only when its transaction commits, and a lone change waited about a whole {@code
 * commit.interval.ms} per hop for it (measured: a hop took the interval plus 10-20 ms, bench figure 5). A backfill
 * keeps the thread busy without pauses and commits every interval, in large transactions; a trickle of live changes
 * commits each change as it comes, but at most one requested commit per {@value #MIN_REQUEST_GAP_MS} ms and thread:
 * where commits are slow (a replicated cluster, min.insync.replicas 2) each commit is itself a pause of the thread, and
 * asking again after every one of them collapsed a backfill to a commit per few records (ThreeBrokerClusterIT).
 *
 * <p>A processor that holds changes back to emit them together ({@link MonthlyAggregator}) emits at once a change that
 * came after a pause, and calls {@link #emitted} after emitting: it asks for a commit when the last record of the
 * thread came after a pause (a lone change) or none came for a pause (the end of a burst), under the same limit.
 *
 * <p>Per thread, not per task: in a backfill the aggregation task gets the repartitioned records in bursts (one per
 * commit of the upstream task), and asking for a commit at every burst would double the commits while the thread is
 * busy with the rest.
 */
final class PromptCommit {
    /** A gap of the stream thread between two records at least this long means the input trickles, not streams. */
    static final long PAUSE_MS = 10;
    /** At most one requested commit per this long (the default {@code commit.interval.ms} under exactly-once). */
    static final long MIN_REQUEST_GAP_MS = 100;
    /**
     * Per thread: when its last record was processed, when it last asked for a commit, and whether that record came
     * after a pause (1) or not (0).
     */
    private static final ThreadLocal<long[]> LAST_MS = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE, 0});

    private PromptCommit() {
    }

    /**
     * Call for every record a processor of the topology processed; {@code forwarded} says whether it changed anything
     * downstream (a record that forwards nothing has nothing to hurry).
     *
     * @return whether the record came after a pause of the thread (a lone change, not a backfill)
     */
    static boolean processed(ProcessorContext<?, ?> context, boolean forwarded) {
        long[] last = LAST_MS.get();
        long now = context.currentSystemTimeMs();
        // A clock that went back (another driver's mock time on this thread) tells nothing about a pause: commit.
        boolean afterPause = last[0] == Long.MIN_VALUE || now < last[0] || now - last[0] >= PAUSE_MS;
        if (forwarded && afterPause && mayAsk(last, now)) {
            context.commit();
            last[1] = now;
        }
        last[0] = now;
        last[2] = afterPause ? 1 : 0;
        return afterPause;
    }

    /**
     * Call after a punctuation forwarded something: asks for a commit if the thread's last record came after a pause,
     * or no record came for a pause since; a thread busy with a backfill commits at its interval.
     */
    static void emitted(ProcessorContext<?, ?> context) {
        long[] last = LAST_MS.get();
        long now = context.currentSystemTimeMs();
        boolean idle = last[0] == Long.MIN_VALUE || now < last[0] || now - last[0] >= PAUSE_MS || last[2] == 1;
        if (idle && mayAsk(last, now)) {
            context.commit();
            last[1] = now;
        }
    }

    private static boolean mayAsk(long[] last, long now) {
        return last[1] == Long.MIN_VALUE || now < last[1] || now - last[1] >= MIN_REQUEST_GAP_MS;
    }
}
