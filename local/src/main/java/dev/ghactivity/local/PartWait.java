package dev.ghactivity.local;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for one part of the local stack and never silently: every {@link #REPORT_EVERY} it logs what it waits
 * for (the part's status: state, group, partitions, lag), and at the deadline it gives up with a
 * {@link StuckPartException} that names the part and carries its last status.
 */
final class PartWait {
    static final Duration REPORT_EVERY = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(PartWait.class);
    private static final long POLL_MILLIS = 500;

    private final String part;
    private final Supplier<String> status;
    private final long deadlineNanos;
    private final Duration timeout;
    private final Duration reportEvery;

    /**
     * @param part          what is waited for, e.g. {@code streams-app}
     * @param status        one line on where the part stands (called every 15 s and at the deadline)
     * @param deadlineNanos when to give up, on the {@link System#nanoTime()} clock
     * @param timeout       the time the deadline stands for, named in the failure
     */
    PartWait(String part, Supplier<String> status, long deadlineNanos, Duration timeout) {
        this(part, status, deadlineNanos, timeout, REPORT_EVERY);
    }

    /** As above, saying what it waits for every {@code reportEvery} (tests: its repetition without waiting 30 s). */
    PartWait(String part, Supplier<String> status, long deadlineNanos, Duration timeout, Duration reportEvery) {
        this.part = part;
        this.status = status;
        this.deadlineNanos = deadlineNanos;
        this.timeout = timeout;
        this.reportEvery = reportEvery;
    }

    /** A wait without deadline that still says every 15 s what it waits for. */
    PartWait(String part, Supplier<String> status) {
        this(part, status, Long.MAX_VALUE, null);
    }

    /** Polls {@code done} until it holds. */
    void until(BooleanSupplier done) throws StuckPartException, InterruptedException {
        long nextReport = System.nanoTime() + reportEvery.toNanos();
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (timeout != null && now - deadlineNanos >= 0) {
                throw stuck();
            }
            if (now - nextReport >= 0) {
                LOG.info("waiting for the {}: {}", part, safeStatus());
                nextReport = now + reportEvery.toNanos();
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Waits for {@code work} and returns its result; a failure of the work is rethrown as it is. */
    <T> T until(Future<T> work) throws StuckPartException, InterruptedException, ExecutionException {
        until(work::isDone);
        try {
            return work.get(0, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("done but without a result", e);
        }
    }

    private StuckPartException stuck() {
        return new StuckPartException(part, "the " + part + " got nowhere within " + timeout + ": " + safeStatus());
    }

    private String safeStatus() {
        try {
            return status.get();
        } catch (RuntimeException e) {
            return "status unknown (" + e + ")";
        }
    }
}
