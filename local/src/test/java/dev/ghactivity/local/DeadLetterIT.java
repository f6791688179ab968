package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both sink connectors in the stack's real Connect worker: a poison record goes to the dead-letter topic, the sinks go on. */
class DeadLetterIT {
    private static final String REPO = "amilner42/code-tidbit";

    @TempDir
    Path dataDir;

    @Test
    void aPoisonRecordOnTheMonthlyTopicGoesToTheDeadLetterTopicAndTheSinksKeepWriting() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommits(REPO, GitHubFixtures.TIDBIT_COMMITS + ".json");
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl()).dataDir(dataDir).httpPort(0).s3FlushInterval(Duration.ofSeconds(1)).build();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer())) {
                    // A foreign record (wrong schema) and a key with path tricks, before the real data.
                    producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, REPO + "|2018-04", "{\"commits\": 999}".getBytes(StandardCharsets.UTF_8))).get();
                    producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, "../../etc|2018-04", new byte[] {1, 2, 3})).get();
                }
                stack.ingestOnce();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(3));

                assertThat(PipelineOutputs.sqliteCounts(stack.sqlitePath(), "SELECT repo, month, commit_count FROM aggregate_commits"))
                        .isEqualTo(GitHubFixtures.expectedCounts(REPO, GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
                assertThat(PipelineOutputs.column(PipelineOutputs.s3SnapshotRows(dataDir.resolve("s3/ghactivity"), "monthly-activity"), "commits"))
                        .isEqualTo(GitHubFixtures.expectedCounts(REPO, GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
                // Each sink reports both bad records: four on the dead-letter topic, with the error in the headers.
                List<ConsumerRecord<String, byte[]>> dead = readAll(stack.bootstrapServers(), LocalStack.DEAD_LETTER_TOPIC, 4);
                assertThat(dead).extracting(ConsumerRecord::key)
                        .containsExactlyInAnyOrder(REPO + "|2018-04", REPO + "|2018-04", "../../etc|2018-04", "../../etc|2018-04");
                assertThat(dead).allSatisfy(r -> assertThat(r.headers().lastHeader("__connect.errors.exception.message")).isNotNull());

                // /metrics of the query API (the stack's one registry) counts both sinks' rows and dead letters; the two bad
                // records fail in the converters, so the tasks are handed every committed record but those two.
                int monthly = readCommitted(stack.bootstrapServers(), Topics.MONTHLY_ACTIVITY);
                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + stack.httpPort() + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                for (String connector : List.of(LocalStack.SQLITE_CONNECTOR, LocalStack.S3_CONNECTOR)) {
                    assertThat(metrics).contains("ghactivity_sink_records_dead_lettered_total{connector=\"" + connector + "\"} 2.0")
                            .contains("ghactivity_sink_records_written_total{connector=\"" + connector + "\"} " + (double) (monthly - 2));
                }
                assertThat(metrics).contains("ghactivity_items_published_total{listing=\"commits\"} 30.0")
                        .contains("ghactivity_streams_records_skipped_total 0.0");

                // Issue 17: after this --once (ingest, then every sink caught up), GET /repos lists the repository up to date
                // (the producer's state, through github.repository-state) with its two counted months.
                com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    com.fasterxml.jackson.databind.JsonNode repos = json.readTree(java.net.http.HttpClient.newHttpClient().send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + stack.httpPort() + "/repos")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body()).path("repos");
                    assertThat(repos).hasSize(1);
                    com.fasterxml.jackson.databind.JsonNode repo = repos.get(0);
                    assertThat(repo.path("repo").asText()).isEqualTo(REPO);
                    assertThat(repo.path("state").asText()).isEqualTo("up to date");
                    assertThat(repo.path("reason").isNull()).isTrue();
                    assertThat(java.time.Instant.parse(repo.path("last_successful_poll").asText())).isBeforeOrEqualTo(java.time.Instant.now());
                    assertThat(repo.path("listings").findValuesAsText("done")).containsOnly("true");
                    assertThat(repo.path("months").asInt()).isEqualTo(2);
                    assertThat(repo.path("first_month").asText() + ".." + repo.path("last_month").asText()).isEqualTo("2018-04..2018-06");
                });
            }
        }
    }

    /** The number of committed records on {@code topic}: what the sinks were handed. */
    private static int readCommitted(String bootstrap, String topic) {
        int count = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "count-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
                int n = consumer.poll(Duration.ofMillis(200)).count();
                if (n > 0) {
                    count += n;
                    quietSince = System.nanoTime();
                }
            }
        }
        return count;
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
