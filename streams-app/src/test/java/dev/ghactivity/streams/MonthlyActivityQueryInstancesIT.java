package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.2: two instances of one application id on one broker, on two hosts (127.0.0.1 and 127.0.0.2) with the
 * same port, as instances on different machines all use 8080. Each answers the whole month list of a repository
 * whose months lie on both; with one of them unreachable the other answers 503, never a part of the list.
 */
class MonthlyActivityQueryInstancesIT {
    private static final String REPO = "org/spread";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void eachInstanceAnswersTheWholeMonthListOrNothing() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(4, (short) 1));
            // Month m of 2020 has m commits: 12 keys spread over the 4 partitions of the store.
            List<CommitEvent> commits = new ArrayList<>();
            Map<String, Long> expected = new TreeMap<>();
            for (int m = 1; m <= 12; m++) {
                String month = String.format("2020-%02d", m);
                for (int n = 0; n < m; n++) {
                    String date = month + "-10T12:00:00Z";
                    commits.add(Events.commit(REPO, String.format("%040x", m * 100 + n), "dev" + n, date, date));
                }
                expected.put(month, (long) m);
            }
            BrokerTopics.sendCommits(broker, commits);

            String applicationId = "instances-" + System.nanoTime();
            try (MonthlyActivityApp a = new MonthlyActivityApp(config(broker, applicationId, "a", "127.0.0.1", 0)).start()) {
                try (MonthlyActivityApp b = new MonthlyActivityApp(config(broker, applicationId, "b", "127.0.0.2", a.httpPort())).start()) {
                    HostInfo hostA = new HostInfo("127.0.0.1", a.httpPort());
                    HostInfo hostB = new HostInfo("127.0.0.2", a.httpPort());
                    assertThat(b.httpPort()).isEqualTo(a.httpPort());
                    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                        assertThat(a.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                        assertThat(b.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                        assertThat(activeHosts(a)).containsExactlyInAnyOrder(hostA, hostB); // the months lie on both
                    });
                    for (MonthlyActivityApp instance : List.of(a, b)) {
                        String base = "http://" + (instance == a ? "127.0.0.1" : "127.0.0.2") + ":" + instance.httpPort();
                        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                            HttpResponse<String> r = get(base + "/repos/" + REPO + "/months");
                            assertThat(r.statusCode()).isEqualTo(200);
                            assertThat(commitsPerMonth(r.body())).isEqualTo(expected);
                        });
                    }

                    // b's streams run on (it keeps its partitions) but its query API is gone: a must not answer a part.
                    b.queryServer().close();
                    HttpResponse<String> partial = get("http://127.0.0.1:" + a.httpPort() + "/repos/" + REPO + "/months");
                    assertThat(partial.statusCode()).isEqualTo(503);
                    assertThat(partial.headers().firstValue("Retry-After")).hasValue("2");
                    assertThat(FixtureEvents.JSON.readTree(partial.body()).get("error").asText())
                            .startsWith("the answer would be incomplete: instance 127.0.0.2:" + a.httpPort() + " unreachable (");
                }
                // b left the group: after the rebalance a holds every partition and answers alone, completely.
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    HttpResponse<String> r = get("http://127.0.0.1:" + a.httpPort() + "/repos/" + REPO + "/months");
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(commitsPerMonth(r.body())).isEqualTo(expected);
                });
            }
        }
    }

    private StreamsAppConfig config(EmbeddedKafkaBroker broker, String applicationId, String name, String host, int port) {
        return StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers()).applicationId(applicationId)
                .stateDir(dir.resolve("state-" + name)).httpHost(host).httpPort(port)
                // Streams does not leave the group on close: a short session lets the other take over sooner.
                .property(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000)
                .build();
    }

    /** The instances holding the active copy of each of the repository's months. */
    private static Set<HostInfo> activeHosts(MonthlyActivityApp app) {
        Set<HostInfo> hosts = new HashSet<>();
        for (int m = 1; m <= 12; m++) {
            hosts.add(app.streams().queryMetadataForKey(MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE,
                    RecordKeys.monthly(REPO, String.format("2020-%02d", m)), new StringSerializer()).activeHost());
        }
        return hosts;
    }

    private static Map<String, Long> commitsPerMonth(String body) throws Exception {
        Map<String, Long> months = new TreeMap<>();
        JsonNode json = FixtureEvents.JSON.readTree(body);
        assertThat(json.get("repo").asText()).isEqualTo(REPO);
        for (JsonNode row : json.get("months")) {
            assertThat(months.put(row.get("month").asText(), row.get("commits").asLong())).as("month listed twice").isNull();
        }
        return months;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
