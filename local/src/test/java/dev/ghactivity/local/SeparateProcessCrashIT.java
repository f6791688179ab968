package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streams-app and the Connect worker as separate processes (as in docker-compose), each killed with
 * SIGKILL mid-work and restarted: the final output is exactly what a clean run gives.
 */
class SeparateProcessCrashIT {
    @TempDir
    Path dir;

    private Process java(String mainClass, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", LocalStackProcess.jar().toString(), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void theStreamsAppKilledMidAggregationRestartsToExactlyTheCleanResult() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(3, (short) 1));
            Map<String, long[]> expected = publishEvents(broker, 40_000, 8_000);
            String[] args = {"--bootstrap-servers", broker.bootstrapServers(), "--application-id", "crash-streams",
                    "--state-dir", dir.resolve("state").toString(), "--http-port", "0", "--http-host", "127.0.0.1"};
            Process first = java("dev.ghactivity.streams.StreamsAppCli", dir.resolve("streams-1.log"), args);
            await().atMost(Duration.ofSeconds(120)).until(() -> endOffset(broker, Topics.MONTHLY_ACTIVITY) > 0 || !first.isAlive());
            assertThat(first.isAlive()).as(Files.readString(dir.resolve("streams-1.log"))).isTrue();
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

            Process second = java("dev.ghactivity.streams.StreamsAppCli", dir.resolve("streams-2.log"), args);
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertThat(readMonthly(broker)).isEqualTo(expectedRows(expected)));
            } finally {
                second.destroy();
                second.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theConnectWorkerKilledMidWriteRestartsToExactlyTheTopicsRows() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
             EmbeddedS3Server s3 = EmbeddedS3Server.start(dir.resolve("s3"), 0)) {
            s3.createBucket("ghactivity");
            broker.createTopics(Topics.definitions(3, (short) 1));
            Map<String, String> finalRows = new TreeMap<>();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int round = 0; round < 4; round++) {
                    for (int r = 0; r < 50; r++) {
                        for (int m = 1; m <= 12; m++) {
                            String repo = "org/r" + r;
                            String month = String.format("2020-%02d", m);
                            long commits = round * 1000L + r * 12 + m;
                            MonthlyActivity a = MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(commits).setCommitAuthors(1)
                                    .setIssuesOpened(round).setIssuesClosed(0).setPrsOpened(0).setPrsMerged(0)
                                    .setUpdatedAt(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(round)).build();
                            p.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, RecordKeys.monthly(repo, month), AvroSerdes.monthlyActivity().encode(a)));
                            finalRows.put(repo + "|" + month, commits + "," + round);
                        }
                    }
                }
            }
            Path worker = dir.resolve("worker.properties");
            Properties props = new Properties();
            props.putAll(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                    "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                    "offset.storage.file.filename", dir.resolve("connect.offsets").toString(),
                    "plugin.discovery", "service_load", "listeners", "http://127.0.0.1:0",
                    "consumer.max.poll.records", "50", "offset.flush.interval.ms", "200"));
            try (var out = Files.newOutputStream(worker)) {
                props.store(out, null);
            }
            Path sqlite = dir.resolve("out.db");
            Path sqliteConnector = properties("sqlite.properties", SinkConnectorConfigs.sqlite("crash-sqlite", sqlite, "crash.dlq"));
            Path s3Connector = properties("s3.properties", SinkConnectorConfigs.s3("crash-s3", s3.endpoint(), "ghactivity", "us-east-1",
                    s3.accessKey(), s3.secretKey(), Duration.ofMillis(300), "crash.dlq"));
            String[] args = {worker.toString(), sqliteConnector.toString(), s3Connector.toString()};

            Process first = java("org.apache.kafka.connect.cli.ConnectStandalone", dir.resolve("connect-1.log"), args);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !PipelineOutputsSafe.rows(sqlite).isEmpty() || !first.isAlive());
            assertThat(first.isAlive()).as(Files.readString(dir.resolve("connect-1.log"))).isTrue();
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

            Process second = java("org.apache.kafka.connect.cli.ConnectStandalone", dir.resolve("connect-2.log"), args);
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertThat(PipelineOutputsSafe.rows(sqlite)).isEqualTo(finalRows);
                    Map<String, String> s3Rows = new TreeMap<>();
                    PipelineOutputs.s3SnapshotRows(dir.resolve("s3/ghactivity"), "monthly-activity")
                            .forEach((k, v) -> s3Rows.put(k, v.get("commits").asLong() + "," + v.get("issues_opened").asLong()));
                    assertThat(s3Rows).isEqualTo(finalRows);
                });
            } finally {
                second.destroy();
                second.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    private Path properties(String name, Map<String, String> config) throws IOException {
        Properties p = new Properties();
        p.putAll(config);
        Path file = dir.resolve(name);
        try (var out = Files.newOutputStream(file)) {
            p.store(out, null);
        }
        return file;
    }

    /** Publishes commits and issues of 10 repositories and returns their expected monthly counts. */
    private static Map<String, long[]> publishEvents(EmbeddedKafkaBroker broker, int commits, int issues) {
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, Set<String>> authors = new HashMap<>();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 20),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < commits; i++) {
                String repo = "org/r" + (i % 10);
                Instant at = Instant.parse("2015-01-01T00:00:00Z").plusSeconds(i * 3600L);
                String login = "dev" + (i % 23);
                CommitEvent c = CommitEvent.newBuilder().setRepo(repo).setSha(String.format("%040x", i)).setAuthorName(login)
                        .setAuthorEmail(login + "@x").setAuthorLogin(login).setAuthorDate(at).setCommitterDate(at).setMessageHeadline("m")
                        .setParentsCount(1).setHtmlUrl(null).setIngestedAt(Instant.now()).build();
                p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(repo, c.getSha()), AvroSerdes.commitEvent().encode(c)));
                String key = repo + "|" + YearMonth.from(at.atOffset(ZoneOffset.UTC));
                counts.computeIfAbsent(key, k -> new long[6])[0]++;
                authors.computeIfAbsent(key, k -> new HashSet<>()).add(login);
            }
            for (int i = 0; i < issues; i++) {
                String repo = "org/r" + (i % 10);
                Instant created = Instant.parse("2015-01-01T00:00:00Z").plusSeconds(i * 7200L);
                Instant closed = i % 2 == 0 ? created.plus(Duration.ofDays(45)) : null;
                IssueEvent e = IssueEvent.newBuilder().setRepo(repo).setNumber(i + 1).setIsPullRequest(false).setState(closed == null ? "open" : "closed")
                        .setTitle("t").setUserLogin("u").setCreatedAt(created).setUpdatedAt(closed == null ? created : closed).setClosedAt(closed)
                        .setMergedAt(null).setLabels(List.of()).setHtmlUrl(null).setIngestedAt(Instant.now()).build();
                p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(repo, i + 1), AvroSerdes.issueEvent().encode(e)));
                counts.computeIfAbsent(repo + "|" + YearMonth.from(created.atOffset(ZoneOffset.UTC)), k -> new long[6])[2]++;
                if (closed != null) {
                    counts.computeIfAbsent(repo + "|" + YearMonth.from(closed.atOffset(ZoneOffset.UTC)), k -> new long[6])[3]++;
                }
            }
        }
        authors.forEach((k, v) -> counts.get(k)[1] = v.size());
        return counts;
    }

    private static Map<String, String> expectedRows(Map<String, long[]> counts) {
        Map<String, String> rows = new TreeMap<>();
        counts.forEach((k, c) -> rows.put(k, c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "," + c[4] + "," + c[5]));
        return rows;
    }

    private static long endOffset(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            return c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The compacted view of github.monthly-activity, committed records only. */
    private static Map<String, String> readMonthly(EmbeddedKafkaBroker broker) {
        Map<String, String> rows = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            c.partitionsFor(Topics.MONTHLY_ACTIVITY).forEach(p -> tps.add(new TopicPartition(Topics.MONTHLY_ACTIVITY, p.partition())));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (r.value() == null) {
                        rows.remove(r.key());
                    } else {
                        MonthlyActivity a = AvroSerdes.monthlyActivity().decode(r.value());
                        rows.put(r.key(), a.getCommits() + "," + a.getCommitAuthors() + "," + a.getIssuesOpened() + "," + a.getIssuesClosed()
                                + "," + a.getPrsOpened() + "," + a.getPrsMerged());
                    }
                }
            }
        }
        return rows;
    }

    /** SQLite rows as repo|month -> "commits,issues_opened"; empty while the table does not exist yet. */
    private static final class PipelineOutputsSafe {
        static Map<String, String> rows(Path db) {
            if (!Files.exists(db)) {
                return Map.of();
            }
            try {
                Map<String, String> rows = new TreeMap<>();
                PipelineOutputs.sqliteRows(db).forEach((k, v) -> {
                    String[] f = v.split(",");
                    rows.put(k, f[0] + "," + f[2]);
                });
                return rows;
            } catch (IllegalStateException e) {
                return Map.of();
            }
        }
    }
}
