package dev.ghactivity.streams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a failed stream thread at most {@code maxReplacements} times within {@code window}, then shuts this
 * client down. Under exactly-once a failed thread's transaction is aborted and its replacement re-reads the same
 * record: a transient fault heals, a deterministic one fails again; replacing forever would loop while the
 * liveness probe says all is well. Shutting down only this client (not the application) keeps a fault local to
 * one host (its disk) from stopping the other instances; a fault in the data reaches each of them in turn.
 * The failing record is never skipped: a well-formed event left out would make the counts silently inexact.
 */
final class StreamThreadFailurePolicy implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailurePolicy.class);

    private final int maxReplacements;
    private final Duration window;
    private final Clock clock;
    private final Consumer<String> onGiveUp;
    private final Deque<Instant> failures = new ArrayDeque<>();

    /** {@code onGiveUp} receives the one-line reason when the client is shut down. */
    StreamThreadFailurePolicy(int maxReplacements, Duration window, Clock clock, Consumer<String> onGiveUp) {
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.clock = clock;
        this.onGiveUp = onGiveUp;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        Instant now = clock.instant();
        while (!failures.isEmpty() && failures.peekFirst().isBefore(now.minus(window))) {
            failures.removeFirst();
        }
        failures.addLast(now);
        int failed = failures.size();
        if (failed <= maxReplacements) {
            LOG.warn("stream thread failed ({} of at most {} replacements within {}), replacing it: {}",
                    failed, maxReplacements, window, describe(exception), exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        String reason = "stream thread failed " + failed + " times within " + window + ", stopping this instance "
                + "(health 503; the failing input stays unprocessed, nothing counted from it): " + describe(exception)
                + "; fix the cause and restart";
        LOG.error(reason);
        onGiveUp.accept(reason);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The outermost message (Streams names task, processor, topic, partition and offset there) and the root cause. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.toString() : e.toString() + ", caused by " + root;
    }
}
