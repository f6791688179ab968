package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The freshness gauge says when a repository was last read completely: a slice of an unfinished backfill does not move it. */
class ProducerMetricsTest {
    private static final IngestReport.RepositoryReport INGESTED =
            new IngestReport.RepositoryReport("octo/huge", IngestReport.Outcome.INGESTED, 2000, 0, 0, 20, 0, 0, null);

    @Test
    void onlyAPollThatReadEveryListingToItsEndMovesTheFreshnessGauge() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProducerMetrics metrics = new ProducerMetrics(registry);

        metrics.repositoryPolled(INGESTED, Duration.ofSeconds(3), Instant.ofEpochSecond(1_000), false);
        assertThat(registry.find("ghactivity.poll.last.success.timestamp").gauge()).as("a backfill slice").isNull();

        metrics.repositoryPolled(INGESTED, Duration.ofSeconds(3), Instant.ofEpochSecond(2_000), true);
        metrics.repositoryPolled(INGESTED, Duration.ofSeconds(3), Instant.ofEpochSecond(3_000), false);
        assertThat(registry.get("ghactivity.poll.last.success.timestamp").tag("repo", "octo/huge").gauge().value()).isEqualTo(2_000.0);
        assertThat(registry.get("ghactivity.items.published").tag("listing", "commits").counter().count()).isEqualTo(6_000.0);
    }
}
