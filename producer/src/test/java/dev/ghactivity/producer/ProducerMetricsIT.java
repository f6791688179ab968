package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a producer after two {@code --once}-sized polls of the fake GitHub on a real broker: requests
 * by listing and status, 304s, items published and the freshness gauge hold exactly what the fake served.
 */
class ProducerMetricsIT {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(ghactivity_[a-z_]+)(\\{[^}]*\\})? (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void metricsCountTheRequestsItemsAnd304sOfTwoPolls() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
             FakeGitHub github = FakeGitHub.start()) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            github.serveRecordedIssues("org/recorded");
            github.serveCommits("org/tidbit", GitHubFixtures.TIDBIT_COMMITS + ".json");
            ProducerAppConfig config = ProducerAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .githubApiUrl(github.apiUrl())
                    .repositories(List.of(RepositoryName.parse("org/recorded"), RepositoryName.parse("org/tidbit")))
                    .transactionalId("metrics-" + System.nanoTime())
                    .retries(3, Duration.ofMillis(1), Duration.ofMillis(5)).sleeper(d -> { }).build();
            PrometheusMeterRegistry registry = ProducerMetrics.prometheusRegistry();
            long notModified;
            try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry);
                 GitHubActivityProducer producer = new GitHubActivityProducer(config, new ProducerMetrics(registry));
                 RepositoryStatePublisher states = RepositoryStatePublisher.start(config, producer.progress())) {
                endpoint.serveRepositories(states::repositoriesJson);
                IngestReport first = producer.pollOnce();
                assertThat(first.allIngested()).isTrue();
                int firstPollRequests = github.requests().size();
                IngestReport second = producer.pollOnce();
                assertThat(second.allIngested()).isTrue();
                notModified = second.of("org/recorded").notModified() + second.of("org/tidbit").notModified();
                List<RecordedRequest> secondPoll = github.requests().subList(firstPollRequests, github.requests().size());

                String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                Map<String, String> samples = samples(scrape);
                // 30 commits of org/tidbit and the 13 recorded issues of org/recorded, each once: the second poll adds nothing.
                assertThat(samples).containsEntry("ghactivity_items_published_total{listing=\"commits\"}", "30.0")
                        .containsEntry("ghactivity_items_published_total{listing=\"issues\"}", "13.0");
                // Every request the fake received is counted once, by listing; the second poll's conditional requests are 304s.
                Map<String, Long> byListing = github.requests().stream().collect(Collectors.groupingBy(
                        r -> ProducerMetrics.listing(r.getUrl()), TreeMap::new, Collectors.counting()));
                Map<String, Long> counted = new TreeMap<>();
                samples.forEach((name, value) -> {
                    Matcher m = Pattern.compile("ghactivity_github_requests_total\\{listing=\"([a-z]+)\",status=\"(\\d+)\"}").matcher(name);
                    if (m.matches()) {
                        counted.merge(m.group(1), (long) Double.parseDouble(value), Long::sum);
                    }
                });
                // "repo": each repository's id, asked once (GET /repos/{owner}/{name}), then kept in its cursors.
                assertThat(counted).isEqualTo(byListing).containsOnlyKeys("commits", "issues", "repo").containsEntry("repo", 2L);
                long conditional = secondPoll.stream().filter(r -> r.getHeaders().get("If-None-Match") != null).count();
                assertThat(notModified).isEqualTo(conditional).isPositive();
                assertThat(samples.entrySet().stream().filter(e -> e.getKey().startsWith("ghactivity_github_not_modified_total"))
                        .mapToDouble(e -> Double.parseDouble(e.getValue())).sum()).isEqualTo((double) conditional);
                assertThat(samples.entrySet().stream().filter(e -> e.getKey().startsWith("ghactivity_github_requests_total")
                        && e.getKey().contains("status=\"304\"")).mapToDouble(e -> Double.parseDouble(e.getValue())).sum())
                        .isEqualTo((double) conditional);
                assertThat(samples).containsKeys("ghactivity_poll_last_success_timestamp_seconds{repo=\"org/recorded\"}",
                        "ghactivity_poll_last_success_timestamp_seconds{repo=\"org/tidbit\"}",
                        "ghactivity_poll_duration_seconds_count{outcome=\"ingested\"}");
                assertThat(samples.get("ghactivity_poll_duration_seconds_count{outcome=\"ingested\"}")).isEqualTo("4");
                assertThat(scrape).contains("ghactivity_kafka_producer_record_send_total{");

                // The producer alone also answers GET /repos (issue 17): both repositories up to date since their last poll.
                HttpResponse<String> repos = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + endpoint.port() + "/repos")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(repos.statusCode()).isEqualTo(200);
                assertThat(repos.headers().firstValue("Content-Type")).hasValue("application/json");
                com.fasterxml.jackson.databind.JsonNode list = new com.fasterxml.jackson.databind.ObjectMapper().readTree(repos.body()).path("repos");
                assertThat(list.findValuesAsText("repo")).containsExactly("org/recorded", "org/tidbit");
                assertThat(list.findValuesAsText("state")).containsExactly("up to date", "up to date");
                for (com.fasterxml.jackson.databind.JsonNode repo : list) {
                    assertThat(repo.path("last_successful_poll").asText()).isEqualTo(producer.progress().of(repo.path("repo").asText())
                            .lastSuccessfulPoll().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
                    assertThat(repo.path("reason").isNull()).isTrue();
                }
            }
        }
    }

    /** {@code name{labels}} -> value of every ghactivity sample, labels other than those named here dropped. */
    private static Map<String, String> samples(String scrape) {
        Map<String, String> samples = new TreeMap<>();
        Matcher m = SAMPLE.matcher(scrape);
        while (m.find()) {
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), m.group(3));
        }
        return samples;
    }
}
