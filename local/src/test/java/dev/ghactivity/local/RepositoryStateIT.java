package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.RepositorySelection;
import dev.ghactivity.producer.RepositoryStatePublisher;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.StreamsAppConfig;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, progress over HTTP: the producer publishes where it stands with each repository to
 * {@code github.repository-state}, and the streams-app's query API (another process in production: they share only
 * Kafka) serves it. {@code GET /repos} goes discovered -> backfilling (percent, ETA) -> up to date (last successful
 * poll), or failing with the reason; {@code GET /repos/{o}/{n}/months} answers 202 with the state for a repository
 * tracked but not counted, 404 for an unknown one, 200 once counted; a repository no longer tracked leaves the list.
 */
class RepositoryStateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BIG = "acme/big";
    private static final String EMPTY = "acme/empty";
    private static final String GONE = "acme/gone";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theQueryApiFollowsEachTrackedRepositoryFromDiscoveredToUpToDateOrFailingAndForgetsOneNoLongerTracked() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
             FakeGitHub github = FakeGitHub.start()) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            SyntheticActivity big = github.serveSyntheticActivity(BIG, 500, 0, 11); // 5 pages of 100 commits
            github.emptyRepository(EMPTY); // commits answer 409, no issues: nothing to count, ever
            github.notFound(GONE);
            StreamsAppConfig streamsConfig = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId("repository-state-it").stateDir(dir.resolve("streams")).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(streamsConfig).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
                String base = "http://127.0.0.1:" + app.httpPort();
                ProducerAppConfig.Builder producerConfig = ProducerAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                        .githubApiUrl(github.apiUrl()).transactionalId("repository-state-it")
                        .retries(2, Duration.ofMillis(1), Duration.ofMillis(5)).sleeper(d -> { });

                IngestReport report;
                Instant bigPolled;
                try (GitHubActivityProducer producer = new GitHubActivityProducer(producerConfig
                        .repositories(List.of(RepositoryName.parse(BIG), RepositoryName.parse(EMPTY), RepositoryName.parse(GONE))).build());
                     RepositoryStatePublisher states = RepositoryStatePublisher.start(producerConfig.build(), producer.progress())) {
                    // Tracked, not polled yet: all three discovered, none counted; /months says so with 202.
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(repos(base)).isEqualTo(array(
                            entry(BIG, "discovered", null, null, array(), null),
                            entry(EMPTY, "discovered", null, null, array(), null),
                            entry(GONE, "discovered", null, null, array(), null))));
                    Answer discovered = get(base + "/repos/acme/empty/months");
                    assertThat(discovered.status()).isEqualTo(202);
                    assertThat(withoutReportedAt(discovered.json())).isEqualTo(parsed(state(EMPTY, "discovered", null, null, array())));
                    assertThat(get(base + "/repos/nobody/nothing/months").status()).isEqualTo(404);

                    // acme/big's first four commit pages each a second late: the backfill of acme/big shows as backfilling for 4 s (pages 1 to 4 of 5 read),
                    // with its page, a percentage and an ETA.
                    github.delayWhen(url -> url.encodedPath().equals("/repos/acme/big/commits"), 4, Duration.ofSeconds(1));
                    CompletableFuture<IngestReport> poll = CompletableFuture.supplyAsync(producer::pollOnce);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                            .until(() -> "backfilling".equals(byName(repos(base), BIG).path("state").asText()));
                    JsonNode commits = byName(repos(base), BIG).path("listings").get(0);
                    assertThat(commits.path("listing").asText()).isEqualTo("commits");
                    assertThat(commits.path("total_pages").asLong()).isEqualTo(5);
                    assertThat(commits.path("page").asLong()).isBetween(1L, 4L);
                    assertThat(commits.path("items").asLong()).isEqualTo(100 * commits.path("page").asLong());
                    assertThat(commits.path("percent").asDouble()).isEqualTo(20.0 * commits.path("page").asLong());
                    assertThat(commits.path("eta_seconds").isIntegralNumber()).as(commits.toString()).isTrue();
                    assertThat(commits.path("done").asBoolean()).isFalse();
                    report = poll.get();
                    bigPolled = producer.progress().of(BIG).lastSuccessfulPoll();
                    Instant emptyPolled = producer.progress().of(EMPTY).lastSuccessfulPoll();
                    String reason = report.of(GONE).message();
                    assertThat(reason).startsWith("commits: ").containsIgnoringCase("not found");

                    Map<String, Long> bigCommits = new TreeMap<>();
                    big.expectedMonthlyCounts().forEach((month, counts) -> bigCommits.put(month, counts[0]));
                    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(commitsByMonth(get(base + "/repos/acme/big/months")))
                            .isEqualTo(bigCommits));
                    ObjectNode counted = (ObjectNode) entry(BIG, "up to date", null, bigPolled, array(
                            listing("commits", 5, 5, 500), listing("issues", 1, 1, 0)), summary(base, BIG));
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(repos(base)).isEqualTo(array(
                            counted,
                            entry(EMPTY, "up to date", null, emptyPolled, array(listing("issues", 1, 1, 0)), null),
                            entry(GONE, "failing", reason, null, array(), null))));

                    // Tracked, nothing counted: 202 with the state, whether up to date (nothing to count) or failing.
                    Answer empty = get(base + "/repos/acme/empty/months");
                    assertThat(empty.status()).isEqualTo(202);
                    assertThat(withoutReportedAt(empty.json())).isEqualTo(parsed(state(EMPTY, "up to date", null, emptyPolled,
                            array(listing("issues", 1, 1, 0)))));
                    Answer gone = get(base + "/repos/acme/gone/months/2024-01");
                    assertThat(gone.status()).isEqualTo(202);
                    assertThat(withoutReportedAt(gone.json())).isEqualTo(parsed(state(GONE, "failing", reason, null, array())));
                    assertThat(get(base + "/repos/nobody/nothing/months").status()).isEqualTo(404);
                }

                // A restart that discovers acme's repositories, one of them deleted meanwhile: until its first discovery the
                // earlier states stay; then acme/big is polled again (its last successful poll moves on) and the
                // repositories no longer tracked get their tombstones: they leave /repos, and /months answers 404 again.
                github.deleteRepository(EMPTY);
                ArrayNode before = repos(base);
                ProducerAppConfig acme = producerConfig.repositories(List.of())
                        .selection(new RepositorySelection(List.of(), List.of("acme"), List.of(), List.of(), false, false)).build();
                try (GitHubActivityProducer producer = new GitHubActivityProducer(acme);
                     RepositoryStatePublisher states = RepositoryStatePublisher.start(acme, producer.progress())) {
                    Thread.sleep(2 * 1000); // two checks of the publisher: nothing tracked yet, nothing removed
                    assertThat(repos(base)).isEqualTo(before).hasSize(3);
                    assertThat(producer.pollOnce().allIngested()).isTrue();
                    Instant again = producer.progress().of(BIG).lastSuccessfulPoll();
                    assertThat(again).isAfter(bigPolled);
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(repos(base)).isEqualTo(array(
                            // No listing read by this process: the head did not move and the issues answered 304.
                            entry(BIG, "up to date", null, again, array(), summary(base, BIG)))));
                    assertThat(get(base + "/repos/acme/empty/months").status()).isEqualTo(404);
                    assertThat(get(base + "/repos/acme/gone/months").status()).isEqualTo(404);
                    assertThat(get(base + "/repos/acme/big/months").status()).isEqualTo(200);
                }
            }
        }
    }

    private record Answer(int status, JsonNode json) {
    }

    private Answer get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    /** {@code GET /repos}'s list, each entry's {@code reported_at} checked to be an instant and left out. */
    private ArrayNode repos(String base) throws IOException, InterruptedException {
        Answer a = get(base + "/repos");
        assertThat(a.status()).as(a.json().toString()).isEqualTo(200);
        ArrayNode result = JSON.createArrayNode();
        a.json().path("repos").forEach(r -> result.add(withoutReportedAt(r)));
        return result;
    }

    private static JsonNode withoutReportedAt(JsonNode node) {
        ObjectNode copy = ((ObjectNode) node).deepCopy();
        JsonNode reported = copy.remove("reported_at");
        if (reported != null && !reported.isNull()) {
            assertThat(Instant.parse(reported.asText())).isBefore(Instant.now().plusSeconds(1));
        }
        return copy;
    }

    private static JsonNode byName(ArrayNode repos, String repo) {
        for (JsonNode r : repos) {
            if (r.path("repo").asText().equals(repo)) {
                return r;
            }
        }
        return JSON.createObjectNode();
    }

    private static ArrayNode array(JsonNode... nodes) {
        ArrayNode a = JSON.createArrayNode();
        for (JsonNode n : nodes) {
            a.add(n);
        }
        return (ArrayNode) parsed(a);
    }

    /** As the API's JSON reads back (numbers as their parser types them: equal trees, not equal Java types). */
    private static JsonNode parsed(JsonNode node) {
        try {
            return JSON.readTree(node.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A listing read to its end. */
    private static JsonNode listing(String name, long page, long totalPages, long items) {
        return JSON.createObjectNode().put("listing", name).put("page", page).put("total_pages", totalPages).put("items", items)
                .put("percent", 100.0).put("eta_seconds", 0L).put("done", true);
    }

    private static ObjectNode state(String repo, String state, String reason, Instant lastSuccess, ArrayNode listings) {
        ObjectNode n = JSON.createObjectNode().put("repo", repo).put("state", state).put("reason", reason)
                .put("last_successful_poll", lastSuccess == null ? null : lastSuccess.truncatedTo(ChronoUnit.MILLIS).toString());
        n.set("listings", listings);
        return n;
    }

    /** A {@code /repos} entry: the state, then the counts summary (null: no month counted). */
    private static JsonNode entry(String repo, String state, String reason, Instant lastSuccess, ArrayNode listings, ObjectNode counts) {
        ObjectNode n = state(repo, state, reason, lastSuccess, listings);
        if (counts == null) {
            n.put("months", 0).putNull("first_month").putNull("last_month").putNull("updated_at");
        } else {
            n.setAll(counts);
        }
        return n;
    }

    /** The counts summary of a repository, from its months as the API answers them. */
    private ObjectNode summary(String base, String repo) throws IOException, InterruptedException {
        JsonNode months = get(base + "/repos/" + repo + "/months").json().path("months");
        String updated = "";
        for (JsonNode m : months) {
            updated = m.path("updated_at").asText().compareTo(updated) > 0 ? m.path("updated_at").asText() : updated;
        }
        return JSON.createObjectNode().put("months", months.size()).put("first_month", months.get(0).path("month").asText())
                .put("last_month", months.get(months.size() - 1).path("month").asText()).put("updated_at", updated);
    }

    private static Map<String, Long> commitsByMonth(Answer answer) {
        assertThat(answer.status()).isEqualTo(200);
        Map<String, Long> result = new TreeMap<>();
        answer.json().path("months").forEach(m -> {
            if (m.path("commits").asLong() > 0) {
                result.put(m.path("month").asText(), m.path("commits").asLong());
            }
        });
        return result;
    }
}
