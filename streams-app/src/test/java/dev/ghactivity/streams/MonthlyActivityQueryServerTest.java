package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonthlyActivityQueryServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(MonthlyActivityQueryServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theHealthProbesSay503UntilTheStreamsRunAndAfterTheyStopped(@TempDir Path dir) throws Exception {
        StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers("127.0.0.1:1").applicationId("probe-test")
                .stateDir(dir).build();
        try (MonthlyActivityQueryServer server = MonthlyActivityQueryServer.bind("127.0.0.1", 0)) {
            KafkaStreams streams = new KafkaStreams(MonthlyActivityTopology.build(config), config.toStreamsProperties());
            server.start(streams, new HostInfo("127.0.0.1", server.port()), new SkippedRecords());
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(503);
            HttpResponse<String> ready = get(server, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("{\"state\":\"CREATED\",\"skipped_records\":0}");

            streams.close(Duration.ofSeconds(10));
            assertThat(get(server, "/health/live").body()).isEqualTo("{\"state\":\"NOT_RUNNING\",\"skipped_records\":0}");
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(503);
            assertThat(get(server, "/nothing").statusCode()).isEqualTo(404);
            HttpResponse<String> months = get(server, "/repos/org/x/months");
            assertThat(months.statusCode()).isEqualTo(503);
            assertThat(months.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(months.body()).isEqualTo("{\"error\":\"the answer would be incomplete: this instance is NOT_RUNNING; retry in 2 s\"}");
        }
    }

    @Test
    void closeEndsTheRequestThreadsAndReleasesThePortAlsoWhenNeverStarted() throws Exception {
        MonthlyActivityQueryServer unstarted = MonthlyActivityQueryServer.bind("127.0.0.1", 0);
        int port = unstarted.port();
        unstarted.close();
        try (java.net.ServerSocket again = new java.net.ServerSocket()) {
            again.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        }

        MonthlyActivityQueryServer server = MonthlyActivityQueryServer.bind("127.0.0.1", 0);
        server.start(null, new HostInfo("127.0.0.1", server.port()), new SkippedRecords());
        assertThat(get(server, "/nothing").statusCode()).isEqualTo(404);
        assertThat(queryThreads()).isPositive();
        server.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> queryThreads() == 0);
    }

    private static long queryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals("query-api")).count();
    }
}
