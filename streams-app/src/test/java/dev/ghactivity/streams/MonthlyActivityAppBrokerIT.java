package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app with exactly-once against a real KRaft broker: the output topic and the HTTP API hold the fixture counts. */
class MonthlyActivityAppBrokerIT {
    @TempDir
    Path dir;

    @Test
    void outputTopicAndQueryApiHoldTheExpectedFinalCounts() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            try (KafkaProducer<String, CommitEvent> commits = BrokerTopics.producer(broker, AvroSerdes.commitEvent().serializer());
                 KafkaProducer<String, IssueEvent> issues = BrokerTopics.producer(broker, AvroSerdes.issueEvent().serializer())) {
                for (CommitEvent c : FixtureEvents.commits("org/tidbit", RecordedFixturesTopologyTest.TIDBIT + ".json")) {
                    commits.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), c));
                    commits.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), c)); // twice
                }
                for (IssueEvent i : FixtureEvents.issues("org/issues", RecordedFixturesTopologyTest.ISSUES + ".json")) {
                    issues.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(i.getRepo(), i.getNumber()), i));
                }
            }
            StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId("it-" + System.nanoTime()).stateDir(dir.resolve("state")).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(config).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
                Map<String, String> expected = new TreeMap<>(Map.of(
                        "org/tidbit|2018-04", "10/0", "org/tidbit|2018-06", "20/0", "org/issues|2022-07", "0/13"));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(readOutput(broker)).isEqualTo(expected));

                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> months = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.httpPort() + "/repos/org/tidbit/months")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(months.statusCode()).isEqualTo(200);
                JsonNode body = FixtureEvents.JSON.readTree(months.body());
                assertThat(body.get("months")).extracting(n -> n.get("month").asText() + "=" + n.get("commits").asLong())
                        .containsExactly("2018-04=10", "2018-06=20");
                HttpResponse<String> one = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.httpPort() + "/repos/org/issues/months/2022-07")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(FixtureEvents.JSON.readTree(one.body()).get("issues_opened").asLong()).isEqualTo(13);
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                        + "/repos/org/issues/months/2021-01")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                        + "/repos/nobody/nothing/months")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                        + "/repos/..%2F/x/months")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
                for (String probe : new String[] {"/health/live", "/health/ready"}) {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + probe)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(health.statusCode()).as(probe).isEqualTo(200);
                    assertThat(FixtureEvents.JSON.readTree(health.body()).get("state").asText()).isEqualTo("RUNNING");
                }
            }
        }
    }

    /** commits/issues_opened per key, latest committed value per key. */
    private static Map<String, String> readOutput(EmbeddedKafkaBroker broker) {
        Map<String, String> result = new TreeMap<>();
        BrokerTopics.monthlyActivity(broker).forEach((key, counts) -> {
            String[] c = counts.split("/");
            result.put(key, c[0] + "/" + c[2]);
        });
        return result;
    }
}
