package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.webhook.WebhookSecret;
import dev.ghactivity.producer.webhook.WebhookSettings;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubWebhookSender;
import dev.ghactivity.testkit.GitHubWebhookSender.Answer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub's recorded deliveries, signed and POSTed to the stack's receiver, down to exact monthly counts in SQLite and
 * S3: each event kind, refused signatures, another branch, a redelivery, a deletion, and a later poll of the same items.
 */
class LocalStackWebhookIT {
    private static final String SECRET = "local-stack-webhook-secret";
    private static final String REPO = "codertocat/hello-world";
    private static final List<String> COLUMNS = List.of("commits", "issues_opened", "issues_closed", "prs_opened", "prs_merged");

    @TempDir
    Path dataDir;

    @Test
    void eachDeliveryCountsExactlyOnceInSqliteAndS3AndALaterPollReplacesItWithoutDoubling() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse("Codertocat/Hello-World")))
                    .githubApiUrl(github.apiUrl()).dataDir(dataDir).httpPort(0).s3FlushInterval(Duration.ofSeconds(1))
                    .webhook(WebhookSettings.of("127.0.0.1", 0, WebhookSecret.of(SECRET)))
                    .build();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                GitHubWebhookSender sender = GitHubWebhookSender.local(stack.webhookPort(), SECRET);
                byte[] push = GitHubWebhookSender.fixture("push_with-new-branch.json");

                // Refused signatures publish nothing on any topic.
                assertThat(sender.post("push", "bad-1", push, null, "application/json").status()).isEqualTo(401);
                assertThat(sender.post("push", "bad-2", push, GitHubWebhookSender.signature("guess", push), "application/json").status()).isEqualTo(401);
                assertThat(endOffsets(stack, Topics.COMMITS, Topics.ISSUES, Topics.INGEST_STATE)).isZero();

                assertThat(sender.deliver("ping", "ping-1", GitHubWebhookSender.fixture("ping_payload.json")).status()).isEqualTo(202);
                assertThat(sender.deliver("push", "push-1", push).status()).isEqualTo(200);
                // Another branch, another commit (dated 2019-06): nothing.
                byte[] feature = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> {
                    root.put("ref", "refs/heads/feature");
                    ((ObjectNode) root.withArray("commits").get(0)).put("id", "1111111111111111111111111111111111111111")
                            .put("timestamp", "2019-06-01T10:00:00Z");
                });
                assertThat(sender.deliver("push", "push-2", feature).status()).isEqualTo(202);
                assertThat(sender.deliver("issues", "issue-1", GitHubWebhookSender.fixture("issues_opened.json")).status()).isEqualTo(200);
                assertThat(sender.deliver("pull_request", "pr-1", GitHubWebhookSender.fixture("pull_request_opened.json")).status()).isEqualTo(200);
                byte[] merged = GitHubWebhookSender.fixture("pull_request_closed.json", root -> ((ObjectNode) root.get("pull_request"))
                        .put("merged", true).put("merged_at", "2019-05-15T15:21:18Z"));
                assertThat(sender.deliver("pull_request", "pr-2", merged).status()).isEqualTo(200);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));

                Map<String, Map<String, Long>> afterDeliveries = Map.of(
                        "commits", Map.of(REPO + "|2019-05", 1L),
                        "issues_opened", Map.of(REPO + "|2019-05", 1L),
                        "issues_closed", Map.of(),
                        "prs_opened", Map.of(REPO + "|2019-05", 1L),
                        "prs_merged", Map.of(REPO + "|2019-05", 1L));
                assertCounts(stack, afterDeliveries);

                // A redelivery (same X-GitHub-Delivery) changes nothing, not even updated_at; the same payload under another id neither.
                Map<String, String> rows = PipelineOutputs.sqliteRows(stack.sqlitePath());
                assertThat(sender.deliver("push", "push-1", push).status()).isEqualTo(200);
                assertThat(sender.deliver("issues", "issue-1", GitHubWebhookSender.fixture("issues_opened.json")).status()).isEqualTo(200);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                assertThat(PipelineOutputs.sqliteRows(stack.sqlitePath())).isEqualTo(rows);
                assertThat(sender.deliver("push", "push-1-copy", push).status()).isEqualTo(200);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                assertCounts(stack, afterDeliveries);

                // issues_reopened.json holds issue #1 in its 2021 state: the latest state replaces the 2019 one; open, so never closed.
                assertThat(sender.deliver("issues", "issue-2", GitHubWebhookSender.fixture("issues_reopened.json")).status()).isEqualTo(200);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                assertCounts(stack, Map.of(
                        "commits", Map.of(REPO + "|2019-05", 1L),
                        "issues_opened", Map.of(REPO + "|2021-07", 1L),
                        "issues_closed", Map.of(),
                        "prs_opened", Map.of(REPO + "|2019-05", 1L),
                        "prs_merged", Map.of(REPO + "|2019-05", 1L)));

                // Deleted: gone from every count.
                assertThat(sender.deliver("issues", "issue-3", GitHubWebhookSender.fixture("issues_deleted.json")).status()).isEqualTo(200);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                Map<String, Map<String, Long>> afterDeletion = Map.of(
                        "commits", Map.of(REPO + "|2019-05", 1L),
                        "issues_opened", Map.of(),
                        "issues_closed", Map.of(),
                        "prs_opened", Map.of(REPO + "|2019-05", 1L),
                        "prs_merged", Map.of(REPO + "|2019-05", 1L));
                assertCounts(stack, afterDeletion);

                // A poll of the same commit and PR, as the REST listings give them: the records replace each other, nothing doubles.
                github.serveCommitItems(REPO, List.of("""
                        {"sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                         "commit": {"author": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "date": "2019-05-15T15:19:25Z"},
                                    "committer": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "date": "2019-05-15T15:19:25Z"},
                                    "message": "Initial commit"},
                         "author": {"login": "Codertocat"}, "parents": [],
                         "html_url": "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"}"""));
                github.serveIssueItems(REPO, List.of("""
                        {"number": 2, "state": "closed", "title": "Update the README with new information.", "user": {"login": "Codertocat"},
                         "labels": [{"name": "bug"}], "created_at": "2019-05-15T15:20:33Z", "updated_at": "2019-05-15T15:21:18Z",
                         "closed_at": "2019-05-15T15:21:18Z", "html_url": "https://github.com/Codertocat/Hello-World/pull/2",
                         "pull_request": {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2",
                                          "html_url": "https://github.com/Codertocat/Hello-World/pull/2", "merged_at": "2019-05-15T15:21:18Z"}}"""));
                assertThat(stack.ingestOnce().allIngested()).isTrue();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                assertCounts(stack, afterDeletion);

                // The stack's /metrics counts the deliveries by answer, as the stop summary does: a browser's GET is no delivery;
                // the two bad signatures refused; push-1 and issue-1 sent again are redeliveries; ping-1 and push-2 ignored.
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + stack.webhookPort()
                        + "/webhooks/github")).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(405);
                String metrics = http.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + stack.httpPort() + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics.lines().filter(l -> l.startsWith("ghactivity_webhook_deliveries_total{")).sorted().toList()).containsExactly(
                        "ghactivity_webhook_deliveries_total{result=\"committed\"} 7.0",
                        "ghactivity_webhook_deliveries_total{result=\"failed\"} 0.0",
                        "ghactivity_webhook_deliveries_total{result=\"ignored\"} 2.0",
                        "ghactivity_webhook_deliveries_total{result=\"redelivered\"} 2.0",
                        "ghactivity_webhook_deliveries_total{result=\"rejected\"} 2.0");
            }
        }
    }

    private static void assertCounts(LocalStack stack, Map<String, Map<String, Long>> expected) {
        Map<String, Map<String, Long>> sqlite = new TreeMap<>();
        Map<String, Map<String, Long>> s3 = new TreeMap<>();
        var s3Rows = PipelineOutputs.s3SnapshotRows(stack.sqlitePath().getParent().resolve("s3/ghactivity"), "monthly-activity");
        for (String column : COLUMNS) {
            sqlite.put(column, PipelineOutputs.sqliteCounts(stack.sqlitePath(),
                    "SELECT repo, month, " + column + " FROM monthly_activity WHERE " + column + " > 0"));
            s3.put(column, PipelineOutputs.column(s3Rows, column));
        }
        assertThat(sqlite).as("SQLite").isEqualTo(new TreeMap<>(expected));
        assertThat(s3).as("S3").isEqualTo(new TreeMap<>(expected));
    }

    private static long endOffsets(LocalStack stack, String... topics) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            long total = 0;
            for (String topic : topics) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                total += consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
            }
            return total;
        }
    }
}
