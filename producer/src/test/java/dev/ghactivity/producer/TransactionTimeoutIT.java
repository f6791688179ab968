package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator aborts a transaction held open past {@code transaction.timeout.ms} and bumps the producer's
 * epoch; the producer's next send or commit gets {@code InvalidProducerEpochException}. That is abortable, not a fence
 * (the Kafka client aborts and goes on with its new epoch): the poll fails, the process goes on, and the next poll
 * publishes every commit exactly once from the committed cursor. On a real broker, with the coordinator's check every 500 ms.
 */
class TransactionTimeoutIT {
    @TempDir
    Path dir;

    @Test
    void aTransactionTheCoordinatorAbortedAtItsTimeoutFailsThatPollOnlyAndTheNextOnePublishesEverythingOnce() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"),
                Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
             FakeGitHub github = FakeGitHub.start()) {
            broker.createTopics(Topics.definitions(1, (short) 1));
            SyntheticActivity activity = github.serveSyntheticActivity("org/slow", 250, 0, 7);
            // Page 1 says the rate limit is spent for 4 s: page 2 waits (real sleeper) while page 1's transaction is open,
            // longer than the transaction may stay open (1 s); the coordinator aborts it meanwhile.
            github.exhaustRateLimitWhen(url -> url.encodedPath().endsWith("/commits") && url.queryParameter("page") == null,
                    Duration.ofSeconds(4));
            ProducerAppConfig config = ProducerAppConfig.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .githubApiUrl(github.apiUrl())
                    .repositories(List.of(RepositoryName.parse("org/slow")))
                    .transactionalId("timeout-it")
                    .retries(3, Duration.ofMillis(1), Duration.ofMillis(5))
                    .maxTimePerTransaction(Duration.ofMinutes(5))
                    .kafkaProperty("transaction.timeout.ms", "1000")
                    .build();
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
                IngestReport first = producer.pollOnce();
                assertThat(first.of("org/slow").outcome()).isEqualTo(IngestReport.Outcome.FAILED);
                assertThat(first.of("org/slow").message()).startsWith("Kafka: ");
                assertThat(commits(broker)).isEmpty(); // the aborted transaction's page is not visible

                IngestReport second = producer.pollOnce();
                assertThat(second.allIngested()).as(second.toString()).isTrue();
                assertThat(second.of("org/slow").commits()).isEqualTo(250);
            }
            // Every commit once: as many committed records as distinct keys, all of org/slow.
            List<String> keys = EmbeddedKafkaBroker.readCommitted(broker.bootstrapServers(), Topics.COMMITS).stream()
                    .map(r -> r.key()).toList();
            assertThat(keys).hasSize(activity.commits()).doesNotHaveDuplicates().allMatch(k -> k.startsWith("org/slow@"));
            assertThat(commits(broker).values()).allMatch(c -> c.getRepo().equals("org/slow"));
        }
    }

    private static Map<String, CommitEvent> commits(EmbeddedKafkaBroker broker) {
        return broker.latestCommitted(Topics.COMMITS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> AvroSerdes.commitEvent().decode(e.getValue())));
    }
}
