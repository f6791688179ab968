package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

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
