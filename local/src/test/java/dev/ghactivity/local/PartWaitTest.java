package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PartWaitTest {
    @Test
    void atTheDeadlineItThrowsNamingThePartAndItsLastStatus() {
        AtomicInteger calls = new AtomicInteger();
        PartWait wait = new PartWait("SQLite sink", () -> "status " + calls.incrementAndGet(),
                System.nanoTime() + Duration.ofMillis(300).toNanos(), Duration.ofMillis(300));
        assertThatThrownBy(() -> wait.until(() -> false))
                .isInstanceOf(StuckPartException.class)
                .hasMessage("the SQLite sink got nowhere within PT0.3S: status 1")
                .satisfies(e -> assertThat(((StuckPartException) e).part()).isEqualTo("SQLite sink"));
    }

    /** The repetition OnceTimeoutIT sees at the command line once (every 15 s there), here at a 200 ms interval. */
    @Test
    void whileItWaitsItSaysWhatItWaitsForAtEveryIntervalEachTimeWithTheStatusOfThatMoment() {
        AtomicInteger calls = new AtomicInteger();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(PartWait.class);
        logs.start();
        logger.addAppender(logs);
        try {
            PartWait wait = new PartWait("S3 sink", () -> "status " + calls.incrementAndGet(),
                    System.nanoTime() + Duration.ofMillis(2_200).toNanos(), Duration.ofMillis(2_200), Duration.ofMillis(200));
            assertThatThrownBy(() -> wait.until(() -> false)).isInstanceOf(StuckPartException.class)
                    .hasMessage("the S3 sink got nowhere within PT2.2S: status " + calls.get());
        } finally {
            logger.detachAppender(logs);
        }
        List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2)
                .isEqualTo(IntStream.rangeClosed(1, lines.size()).mapToObj(i -> "waiting for the S3 sink: status " + i).toList());
        assertThat(calls).hasValue(lines.size() + 1);
    }

    @Test
    void aStatusThatFailsStillGivesALine() {
        PartWait wait = new PartWait("S3 sink", () -> {
            throw new IllegalStateException("broker gone");
        }, System.nanoTime(), Duration.ZERO);
        assertThatThrownBy(() -> wait.until(() -> false))
                .hasMessage("the S3 sink got nowhere within PT0S: status unknown (java.lang.IllegalStateException: broker gone)");
    }

    @Test
    void aConditionThatHoldsReturnsAtOnceAndWorkGivesItsResultOrItsFailure() throws Exception {
        PartWait wait = new PartWait("producer", () -> "polling");
        wait.until(() -> true);
        assertThat(wait.until(CompletableFuture.completedFuture(7))).isEqualTo(7);
        assertThatThrownBy(() -> wait.until(CompletableFuture.failedFuture(new IllegalArgumentException("401"))))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
    }
}
