package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** The local stack's failed sink (a part beside the streams) makes both probes 503 with the reason, while it lasts. */
    @Test
    void aFailureOfAPartBesideTheStreamsIsNamedByBothProbes(@TempDir Path dir) throws Exception {
        StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers("127.0.0.1:1").applicationId("probe-failure-test")
                .stateDir(dir).build();
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>("the SQLite sink stopped: x");
        try (MonthlyActivityQueryServer server = MonthlyActivityQueryServer.bind("127.0.0.1", 0);
             KafkaStreams streams = new KafkaStreams(MonthlyActivityTopology.build(config), config.toStreamsProperties())) {
            server.otherFailure(() -> java.util.Optional.ofNullable(failure.get()));
            server.start(streams, new HostInfo("127.0.0.1", server.port()), new SkippedRecords());
            for (String probe : java.util.List.of("/health/live", "/health/ready")) {
                HttpResponse<String> response = get(server, probe);
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.body()).isEqualTo("{\"state\":\"CREATED\",\"skipped_records\":0,\"failure\":\"the SQLite sink stopped: x\"}");
            }
            failure.set(null);
            assertThat(get(server, "/health/live").body()).isEqualTo("{\"state\":\"CREATED\",\"skipped_records\":0}");
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

    @Test
    void unknownPathsAre404JsonHeadAnswersLikeGetWithoutABodyAndOtherMethodsAre405() throws Exception {
        try (MonthlyActivityQueryServer server = MonthlyActivityQueryServer.bind("127.0.0.1", 0)) {
            server.start(null, new HostInfo("127.0.0.1", server.port()), new SkippedRecords());
            HttpResponse<String> unknown = get(server, "/nothing/here");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(unknown.body()).isEqualTo("{\"error\":\"unknown path; use /repos/{owner}/{name}/months[/{YYYY-MM}], "
                    + "/repos, /health/live, /health/ready, /metrics or / (the dashboard)\"}");
            // Jetty refuses paths that climb out with 400 before they reach a handler; the handler allows plain names only.
            assertThat(get(server, "/../etc/passwd").statusCode()).isEqualTo(400);
            assertThat(get(server, "/webjars/chart.js/../../../dev/ghactivity/streams/StreamsMetrics.class").statusCode())
                    .isEqualTo(400);
            assertThat(get(server, "/dashboard/%2e%2e/StreamsMetrics.class").statusCode()).isEqualTo(400);

            for (String path : List.of("/nothing", "/", "/webjars/chart.js/dist/chart.umd.js", "/repos/org/x/months")) {
                HttpResponse<String> got = get(server, path);
                HttpResponse<String> head = http.send(request(server, path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(head.statusCode()).as(path).isEqualTo(got.statusCode());
                assertThat(head.body()).as(path).isEmpty();
                assertThat(head.headers().firstValue("Content-Length")).as(path)
                        .hasValue(Integer.toString(got.body().getBytes(StandardCharsets.UTF_8).length));
                assertThat(head.headers().firstValue("Content-Type")).as(path).isEqualTo(got.headers().firstValue("Content-Type"));
            }

            HttpResponse<String> post = http.send(request(server, "/repos/org/x/months")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(post.body()).isEqualTo("{\"error\":\"only GET and HEAD are supported\"}");
        }
    }

    @Test
    void theDashboardAndItsChartLibraryComeFromTheClasspath() throws Exception {
        try (MonthlyActivityQueryServer server = MonthlyActivityQueryServer.bind("127.0.0.1", 0)) {
            server.start(null, new HostInfo("127.0.0.1", server.port()), new SkippedRecords());
            HttpResponse<String> page = get(server, "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<script src=\"/webjars/chart.js/dist/chart.umd.js\"></script>")
                    .doesNotContain("https://");
            HttpResponse<String> chartJs = get(server, "/webjars/chart.js/dist/chart.umd.js");
            assertThat(chartJs.statusCode()).isEqualTo(200);
            assertThat(chartJs.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(chartJs.body()).contains("Chart.js v4");
            assertThat(get(server, "/dashboard/dashboard.js").statusCode()).isEqualTo(200);
            assertThat(get(server, "/dashboard/missing.js").statusCode()).isEqualTo(404);
        }
    }

    private HttpRequest.Builder request(MonthlyActivityQueryServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    private static long queryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("query-api")).count();
    }
}
