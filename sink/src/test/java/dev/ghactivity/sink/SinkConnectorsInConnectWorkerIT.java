package dev.ghactivity.sink;

import static dev.ghactivity.sink.Rows.activity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.s3.S3SinkConnector;
import dev.ghactivity.sink.sqlite.SqliteSinkConnector;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both connectors in a real Connect worker (standalone, in this JVM, discovered through the service
 * loader as a deployed plugin would be) against a real KRaft broker: rows land in SQLite and S3, the
 * records the converters or the task refuse reach each connector's dead-letter topic, and the committed offsets reach the end.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SinkConnectorsInConnectWorkerIT {
    private static final String BUCKET = "activity";
    private static final String SQLITE_DLQ = "dlq.sqlite";
    private static final String S3_DLQ = "dlq.s3";

    @TempDir
    Path dir;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
        return resource;
    }

    @Test
    void bothSinksWriteTheRowsAndSendThePoisonRecordToTheirDeadLetterTopics() throws Exception {
        EmbeddedKafkaBroker broker = track(EmbeddedKafkaBroker.start(dir.resolve("kafka")));
        broker.createTopics(Topics.definitions(2, (short) 1).stream()
                .filter(t -> t.name().equals(Topics.MONTHLY_ACTIVITY)).toList());
        EmbeddedS3Server s3 = track(EmbeddedS3Server.start(dir.resolve("s3"), 0));
        s3.createBucket(BUCKET);

        byte[] poison = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);
        byte[] foreign = AvroSerdes.monthlyActivity().encode(activity("d/d", "2024-03", 1, 0));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            send(producer, 0, "a/a", "2024-01", activity("a/a", "2024-01", 3, 1));
            send(producer, 0, "a/a", "2024-02", activity("a/a", "2024-02", 1, 0));
            producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, 0, RecordKeys.monthly("a/a", "2024-03"), poison));
            // Refused by the key converter, although the value is fine.
            producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, 0, "../../etc|2024-03", foreign));
            // Accepted by both converters, refused by the task: the value is another key's row.
            producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, 0, RecordKeys.monthly("a/a", "2024-04"), foreign));
            send(producer, 0, "a/a", "2024-01", activity("a/a", "2024-01", 4, 1)); // a later value of the same key
            send(producer, 1, "b/b", "2024-01", activity("b/b", "2024-01", 0, 2));
            send(producer, 1, "c/c", "2024-01", activity("c/c", "2024-01", 7, 0));
            send(producer, 1, "c/c", "2024-01", null); // tombstone
            producer.flush();
        }

        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(workerProps(broker));
        track(() -> {
            connect.stop();
            connect.awaitStop();
        });
        Path db = dir.resolve("sqlite/activity.db");
        putConnector(connect, "sqlite-sink", connectorProps(SqliteSinkConnector.class, SQLITE_DLQ, Map.of(
                "sqlite.path", db.toString())));
        putConnector(connect, "s3-sink", connectorProps(S3SinkConnector.class, S3_DLQ, Map.of(
                "s3.bucket", BUCKET, "s3.endpoint", s3.endpoint().toString(), "s3.path.style", "true",
                "s3.access.key.id", s3.accessKey(), "s3.secret.access.key", s3.secretKey(),
                "flush.interval.ms", "200")));

        String updatedAt = "2026-01-02T03:04:05Z";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(sqliteRows(db)).isEqualTo(Map.of(
                        "a/a|2024-01", "4,3,1,0,1,0," + updatedAt,
                        "a/a|2024-02", "1,1,0,0,1,0," + updatedAt,
                        "b/b|2024-01", "0,0,2,0,1,0," + updatedAt)));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(objectLines(s3, "monthly-activity/month=2024-01/part-0.jsonl.gz"))
                    .containsExactly(jsonRow("a/a", "2024-01", 4, 3, 1, updatedAt));
            assertThat(objectLines(s3, "monthly-activity/month=2024-02/part-0.jsonl.gz"))
                    .containsExactly(jsonRow("a/a", "2024-02", 1, 1, 0, updatedAt));
            assertThat(objectLines(s3, "monthly-activity/month=2024-01/part-1.jsonl.gz"))
                    .containsExactly(jsonRow("b/b", "2024-01", 0, 0, 2, updatedAt));
        });

        for (String dlq : List.of(SQLITE_DLQ, S3_DLQ)) {
            List<ConsumerRecord<String, byte[]>> dead = readAll(broker, dlq, 3);
            assertThat(dead).as(dlq).hasSize(3);
            assertThat(dead).extracting(ConsumerRecord::key).containsExactly("a/a|2024-03", "../../etc|2024-03", "a/a|2024-04");
            // As received; the third one was written back by the worker through both converters (fromConnectData).
            assertThat(dead).extracting(ConsumerRecord::value).containsExactly(poison, foreign, foreign);
            assertThat(dead).extracting(r -> new String(r.headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8))
                    .satisfiesExactly(
                            m -> assertThat(m).contains("is not a MonthlyActivity"),
                            m -> assertThat(m).contains("invalid key '../../etc|2024-03'"),
                            m -> assertThat(m).isEqualTo("value of a/a|2024-04 is for d/d|2024-03"));
        }

        // Everything, the poison record included, is accounted for: each group commits up to the end.
        Map<TopicPartition, Long> end = Map.of(
                new TopicPartition(Topics.MONTHLY_ACTIVITY, 0), 6L, new TopicPartition(Topics.MONTHLY_ACTIVITY, 1), 3L);
        try (Admin admin = broker.admin()) {
            for (String group : List.of("connect-sqlite-sink", "connect-s3-sink")) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())))
                                .as(group).isEqualTo(end));
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, int partition, String repo, String month,
                             dev.ghactivity.schemas.MonthlyActivity value) {
        producer.send(new ProducerRecord<>(Topics.MONTHLY_ACTIVITY, partition, RecordKeys.monthly(repo, month),
                value == null ? null : AvroSerdes.monthlyActivity().encode(value)));
    }

    private Map<String, String> workerProps(EmbeddedKafkaBroker broker) throws IOException {
        Files.createDirectories(dir.resolve("connect"));
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", broker.bootstrapServers());
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", dir.resolve("connect/standalone.offsets").toString());
        worker.put("offset.flush.interval.ms", "200");
        worker.put("plugin.discovery", "service_load");
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("consumer.auto.offset.reset", "earliest");
        return worker;
    }

    private static Map<String, String> connectorProps(Class<?> connector, String deadLetterTopic, Map<String, String> own) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", connector.getName());
        c.put("tasks.max", "1");
        c.put("topics", Topics.MONTHLY_ACTIVITY);
        // The worker's defaults stay StringConverter / ByteArrayConverter: the connector's own settings win.
        c.put("key.converter", "dev.ghactivity.sink.convert.MonthlyActivityKeyConverter");
        c.put("value.converter", "dev.ghactivity.sink.convert.MonthlyActivityConverter");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", deadLetterTopic);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.putAll(own);
        return c;
    }

    private static void putConnector(Connect<StandaloneHerder> connect, String name, Map<String, String> config) throws Exception {
        Map<String, String> withName = new LinkedHashMap<>(config);
        withName.put("name", name);
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        connect.herder().putConnectorConfig(name, withName, false, created);
        created.get(60, TimeUnit.SECONDS);
    }

    private static Map<String, String> sqliteRows(Path db) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        if (!Files.exists(db)) {
            return rows;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet table = c.createStatement().executeQuery("SELECT 1 FROM sqlite_master WHERE name = 'monthly_activity'")) {
            if (!table.next()) {
                return rows; // the task has created the file, not yet its table
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT repo, month, commits, commit_authors, issues_opened, "
                     + "issues_closed, prs_opened, prs_merged, updated_at FROM monthly_activity")) {
            while (rs.next()) {
                rows.put(rs.getString(1) + "|" + rs.getString(2), String.join(",", rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
            }
        } catch (SQLException e) {
            // The task opens (creates) the file a moment before it creates the table: no rows yet.
            if (e.getMessage() == null || !e.getMessage().contains("no such table")) {
                throw e;
            }
        }
        return rows;
    }

    private static String jsonRow(String repo, String month, long commits, long authors, long issues, String updatedAt) {
        return "{\"repo\":\"" + repo + "\",\"month\":\"" + month + "\",\"commits\":" + commits + ",\"commit_authors\":" + authors
                + ",\"issues_opened\":" + issues + ",\"issues_closed\":0,\"prs_opened\":1,\"prs_merged\":0,\"updated_at\":\""
                + updatedAt + "\"}";
    }

    private static List<String> objectLines(EmbeddedS3Server s3, String key) throws IOException {
        Path file = s3.objectPath(BUCKET, key);
        if (!Files.exists(file)) {
            return List.of();
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** Reads a topic from the beginning until {@code expected} records arrived, then a little longer for extras. */
    private static List<ConsumerRecord<String, byte[]>> readAll(EmbeddedKafkaBroker broker, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer.listTopics(Duration.ofSeconds(5)).containsKey(topic));
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= expected;
            });
            // Nothing beyond the end: the dead-letter topic holds no duplicates.
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions);
            long total = endOffsets.values().stream().mapToLong(Long::longValue).sum();
            assertThat(total).as("records in " + topic).isEqualTo(expected);
        }
        return records;
    }
}
