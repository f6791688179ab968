package dev.ghactivity.producer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Waiting (rate limits, retry backoffs), injectable so tests never really sleep. */
@FunctionalInterface
public interface Sleeper {
    /**
     * Real waits that end at once when {@code stop} is counted down, so a wait for a rate limit an hour away
     * never holds up a shutdown.
     *
     * @return a sleeper whose {@link #sleep} throws {@link InterruptedException} once {@code stop} is counted down
     */
    static Sleeper until(CountDownLatch stop) {
        return d -> {
            if (stop.await(Math.max(0, d.toNanos()), TimeUnit.NANOSECONDS)) {
                throw new InterruptedException("stopped while waiting " + d);
            }
        };
    }

    /** Waits {@code duration}; zero or negative returns at once. */
    void sleep(Duration duration) throws InterruptedException;
}
