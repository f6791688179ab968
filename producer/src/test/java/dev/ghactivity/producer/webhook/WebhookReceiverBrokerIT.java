package dev.ghactivity.producer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubItemParser;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.ProducerMetrics;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import dev.ghactivity.testkit.GitHubWebhookSender;
import dev.ghactivity.testkit.GitHubWebhookSender.Answer;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deliveries against a real KRaft broker: committed in one transaction before 2xx, 503 while Kafka is down, once after. */
class WebhookReceiverBrokerIT {
    private static final String SECRET = "broker-it-secret";
    private static final String TIDBIT_REPO = "amilner42/code-tidbit";

    @TempDir
    Path dir;

    @Test
    void aDeliveryWhileKafkaIsDownIs503AndItsRedeliveryLaterCountsOnce() throws Exception {
        // The broker keeps its listener ports in its log directory: started again there, it listens where it did.
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
        broker.createTopics(Topics.definitions(2, (short) 1));
        ProducerAppConfig config = config(broker.bootstrapServers(), "http://127.0.0.1:9", "Codertocat/Hello-World");
        PrometheusMeterRegistry registry = ProducerMetrics.prometheusRegistry();
        try (WebhookReceiver receiver = WebhookReceiver.start(config,
                new WebhookSettings("127.0.0.1", 0, WebhookSecret.of(SECRET), Duration.ofSeconds(2))).bindMetrics(registry)) {
            GitHubWebhookSender github = GitHubWebhookSender.local(receiver.port(), SECRET);
            assertThat(github.deliver("issues", "opened-1", GitHubWebhookSender.fixture("issues_opened.json")).status()).isEqualTo(200);
            assertThat(records(broker.bootstrapServers(), Topics.ISSUES)).extracting(ConsumerRecord::key)
                    .containsExactly("codertocat/hello-world#1");

            broker.close();
            long started = System.nanoTime();
            Answer down = github.deliver("pull_request", "closed-1", GitHubWebhookSender.fixture("pull_request_closed.json"));
            assertThat(down.status()).isEqualTo(503);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a bounded wait, inside GitHub's 10 s").isLessThan(Duration.ofSeconds(9));
            assertThat(receiver.failedDeliveries()).isEqualTo(1);

            broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
            assertThat(github.deliver("pull_request", "closed-1", GitHubWebhookSender.fixture("pull_request_closed.json")).status()).isEqualTo(200);
            // A second redelivery of the committed delivery changes nothing.
            assertThat(github.deliver("pull_request", "closed-1", GitHubWebhookSender.fixture("pull_request_closed.json")))
                    .isEqualTo(new Answer(200, "delivery closed-1 was committed before; nothing to do\n"));

            List<ConsumerRecord<String, byte[]>> issues = records(broker.bootstrapServers(), Topics.ISSUES);
            assertThat(issues).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("codertocat/hello-world#1", "codertocat/hello-world#2");
            IssueEvent pr = AvroSerdes.issueEvent().decode(issues.stream().filter(r -> r.key().endsWith("#2")).findFirst().orElseThrow().value());
            assertThat(pr.getIsPullRequest()).isTrue();
            assertThat(pr.getState()).isEqualTo("closed");
            assertThat(records(broker.bootstrapServers(), Topics.COMMITS)).isEmpty();

            // Not deliveries: a browser's GET (405) and another path (404) are not counted; a ping is ignored, a bad signature refused.
            HttpClient http = HttpClient.newHttpClient();
            URI endpoint = URI.create("http://127.0.0.1:" + receiver.port() + WebhookReceiver.PATH);
            assertThat(http.send(HttpRequest.newBuilder(endpoint).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(405);
            assertThat(http.send(HttpRequest.newBuilder(endpoint.resolve("/")).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                    .isEqualTo(404);
            assertThat(github.deliver("ping", "ping-1", GitHubWebhookSender.fixture("ping_payload.json")).status()).isEqualTo(202);
            byte[] opened = GitHubWebhookSender.fixture("issues_opened.json");
            assertThat(github.post("issues", "forged-1", opened, GitHubWebhookSender.signature("guess", opened), "application/json").status())
                    .isEqualTo(401);
            // Redelivered from GitHub's Recent Deliveries: answered 200, counted as a redelivery, not committed again.
            assertThat(github.deliver("issues", "opened-1", opened).status()).isEqualTo(200);

            assertThat(receiver.summary())
                    .isEqualTo("webhook receiver stopped: 2 deliveries committed, 2 redelivered, 1 ignored, 1 refused, 1 failed");
            assertThat(deliveryMetrics(registry)).isEqualTo(Map.of("committed", 2.0, "redelivered", 2.0, "ignored", 1.0, "rejected", 1.0,
                    "failed", 1.0));
        } finally {
            broker.close();
        }
    }

    @Test
    void aPushWhosePayloadLeavesCommitsOutIsCompletedThroughTheComparison() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
             FakeGitHub fake = FakeGitHub.start()) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            List<String> listing = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json"); // newest first
            fake.serveCommitItems(TIDBIT_REPO, listing);
            List<String> shas = listing.stream().map(i -> GitHubWebhookSender.jsonOf(i).path("sha").asText()).toList();
            // before = the 6th newest commit, after = the newest: 5 commits added, the payload lists the oldest of them only.
            byte[] push = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> {
                ((ObjectNode) root.get("repository")).put("full_name", "amilner42/code-tidbit").put("default_branch", "master");
                root.put("before", shas.get(5)).put("after", shas.get(0)).put("created", false);
                ArrayNode commits = root.withArray("commits");
                ((ObjectNode) commits.get(0)).put("id", shas.get(4));
            });
            ProducerAppConfig config = config(broker.bootstrapServers(), fake.apiUrl(), TIDBIT_REPO);
            try (WebhookReceiver receiver = WebhookReceiver.start(config, WebhookSettings.of("127.0.0.1", 0, WebhookSecret.of(SECRET)))) {
                Answer answer = GitHubWebhookSender.local(receiver.port(), SECRET).deliver("push", "push-1", push);
                assertThat(answer.status()).isEqualTo(200);

                List<String> added = shas.subList(0, 5).stream().map(s -> TIDBIT_REPO + "@" + s).toList();
                Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(records(broker.bootstrapServers(), Topics.COMMITS)).extracting(ConsumerRecord::key).containsAll(added));
                // The compared commits are exactly the records a poll of the listing publishes (ingested_at aside).
                byte[] polledPage = ("[" + String.join(",", listing.subList(0, 5)) + "]").getBytes(StandardCharsets.UTF_8);
                Instant at = Instant.EPOCH;
                List<CommitEvent> polled = GitHubItemParser.commits(TIDBIT_REPO, polledPage, at).events();
                Map<String, CommitEvent> published = new java.util.HashMap<>();
                for (ConsumerRecord<String, byte[]> r : records(broker.bootstrapServers(), Topics.COMMITS)) {
                    CommitEvent e = AvroSerdes.commitEvent().decode(r.value());
                    e.setIngestedAt(at);
                    published.put(r.key(), e);
                }
                for (CommitEvent e : polled) {
                    assertThat(published.get(TIDBIT_REPO + "@" + e.getSha())).isEqualTo(e);
                }
                assertThat(fake.requests()).filteredOn(r -> r.getUrl().encodedPath().contains("/compare/" + shas.get(5) + "..." + shas.get(0))).hasSize(1);
            }
        }
    }

    /** {@code ghactivity_webhook_deliveries_total} by result, as /metrics shows it. */
    private static Map<String, Double> deliveryMetrics(PrometheusMeterRegistry registry) {
        Map<String, Double> values = new java.util.TreeMap<>();
        Matcher m = Pattern.compile("(?m)^ghactivity_webhook_deliveries_total\\{result=\"([a-z]+)\"} (\\S+)$").matcher(registry.scrape());
        while (m.find()) {
            values.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return values;
    }

    private static ProducerAppConfig config(String bootstrap, String githubApiUrl, String repo) {
        return ProducerAppConfig.builder()
                .bootstrapServers(bootstrap)
                .githubApiUrl(githubApiUrl)
                .repositories(List.of(RepositoryName.parse(repo)))
                .transactionalId("webhook-it")
                .retries(2, Duration.ofMillis(1), Duration.ofMillis(5))
                .build();
    }

    /** Every committed record of the topic, in offset order per partition. */
    private static List<ConsumerRecord<String, byte[]>> records(String bootstrap, String topic) {
        return EmbeddedKafkaBroker.readCommitted(bootstrap, topic);
    }
}
