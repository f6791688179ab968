package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailurePolicyTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<String> gaveUp = new ArrayList<>();
    private final StreamThreadFailurePolicy policy = new StreamThreadFailurePolicy(2, Duration.ofMinutes(10),
            new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            }, gaveUp::add);

    private final Exception failure = new StreamsException("Exception caught in process. taskId=0_0, topic=github.issues, partition=0, offset=7",
            new IllegalStateException("boom"));

    @Test
    void replacesTheThreadUpToTheBoundWithinTheWindowThenShutsTheClientDownWithOneReason() {
        assertThat(policy.handle(failure)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now = now.plusSeconds(60);
        assertThat(policy.handle(failure)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now = now.plusSeconds(60);
        assertThat(policy.handle(failure)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(gaveUp).containsExactly("stream thread failed 3 times within PT10M, stopping this instance (health 503; "
                + "the failing input stays unprocessed, nothing counted from it): org.apache.kafka.streams.errors.StreamsException: "
                + "Exception caught in process. taskId=0_0, topic=github.issues, partition=0, offset=7, caused by "
                + "java.lang.IllegalStateException: boom; fix the cause and restart");
    }

    @Test
    void failuresOlderThanTheWindowAreForgotten() {
        for (int i = 0; i < 5; i++) {
            assertThat(policy.handle(failure)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            now = now.plus(Duration.ofMinutes(6)); // never more than two within 10 minutes
        }
        assertThat(gaveUp).isEmpty();
    }
}
