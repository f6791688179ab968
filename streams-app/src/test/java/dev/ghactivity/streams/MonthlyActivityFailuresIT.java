package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Issue 12.6: a poison record is skipped into the dead-letter topic; a failure that repeats stops the app. */
class MonthlyActivityFailuresIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void anUndeserializableRecordIsCountedAndKeptInTheDeadLetterTopicAndTheOthersCountExactly() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            List<org.apache.kafka.clients.admin.NewTopic> topics = new ArrayList<>(Topics.definitions(2, (short) 1));
            topics.add(Topics.streamsDeadLetterDefinition((short) 1));
            broker.createTopics(topics);
            BrokerTopics.sendIssues(broker, List.of(
                    Events.issue("org/p", 1, false, "2024-03-01T10:00:00Z", "2024-04-02T10:00:00Z", null),
                    Events.issue("org/p", 2, true, "2024-03-05T10:00:00Z", "2024-03-06T10:00:00Z", "2024-03-06T10:00:00Z")));
            byte[] poison = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
            RecordMetadata where;
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                where = raw.send(new ProducerRecord<>(Topics.ISSUES, "org/p#3".getBytes(StandardCharsets.UTF_8), poison)).get();
            }
            BrokerTopics.sendIssues(broker, List.of(Events.issue("org/p", 4, false, "2024-04-09T10:00:00Z", null, null)));

            StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId("poison-" + System.nanoTime()).stateDir(dir.resolve("state")).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(config).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
                // commits/authors/issues opened/closed/PRs opened/merged
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(BrokerTopics.monthlyActivity(broker)).isEqualTo(Map.of(
                        "org/p|2024-03", "0/0/1/0/1/1",
                        "org/p|2024-04", "0/0/1/1/0/0")));

                List<ConsumerRecord<String, byte[]>> dead = BrokerTopics.readAllBytes(broker, Topics.STREAMS_DLQ);
                assertThat(dead).hasSize(1);
                ConsumerRecord<String, byte[]> kept = dead.get(0);
                assertThat(kept.key()).isEqualTo("org/p#3");
                assertThat(kept.value()).isEqualTo(poison);
                assertThat(header(kept, "__streams.errors.topic")).isEqualTo(Topics.ISSUES);
                assertThat(header(kept, "__streams.errors.partition")).isEqualTo(Integer.toString(where.partition()));
                assertThat(header(kept, "__streams.errors.offset")).isEqualTo(Long.toString(where.offset()));

                assertThat(app.skippedRecords()).isEqualTo(1);
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(live.statusCode()).isEqualTo(200);
                assertThat(live.body()).isEqualTo("{\"state\":\"RUNNING\",\"skipped_records\":1}");
            }
        }
    }

    @Test
    void aFailureThatRepeatsEndsInAFailedHealthStateAndOneClearLine() throws Exception {
        Logger policyLog = (Logger) LoggerFactory.getLogger(StreamThreadFailurePolicy.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        policyLog.addAppender(lines);
        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            List<org.apache.kafka.clients.admin.NewTopic> topics = new ArrayList<>(Topics.definitions(1, (short) 1));
            topics.add(Topics.streamsDeadLetterDefinition((short) 1));
            broker.createTopics(topics);
            BrokerTopics.sendIssues(broker, List.of(Events.issue("org/p", 1, false, "2024-03-01T10:00:00Z", null, null)));
            StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId("failing-" + System.nanoTime()).stateDir(dir.resolve("state"))
                    .threadReplacements(2, Duration.ofMinutes(10))
                    // A failed thread does not leave the group: its replacement gets the task after the session.
                    .property(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000)
                    .build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(config, MonthlyActivityFailuresIT::alwaysFailing).start()) {
                Future<Optional<String>> stopped = waiter.submit(app::awaitStopped);
                Optional<String> failure = stopped.get(120, TimeUnit.SECONDS);

                assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.ERROR);
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(live.statusCode()).isEqualTo(503);
                assertThat(live.body()).isEqualTo("{\"state\":\"ERROR\",\"skipped_records\":0}");

                List<ILoggingEvent> errors = lines.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
                assertThat(errors).hasSize(1);
                assertThat(failure).hasValue(errors.get(0).getFormattedMessage());
                assertThat(failure.get()).startsWith("stream thread failed 3 times within PT10M, stopping this instance "
                                + "(health 503; the failing input stays unprocessed, nothing counted from it): ")
                        .contains("cannot count org/p#1").endsWith("; fix the cause and restart");
                assertThat(lines.list.stream().filter(e -> e.getLevel() == Level.WARN)).hasSize(2); // the two replacements
            }
        } finally {
            policyLog.detachAppender(lines);
            waiter.shutdownNow();
        }
    }

    /** A processor that fails on every record: a bug no replacement of the thread can cure. */
    private static Topology alwaysFailing(StreamsAppConfig config) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Topics.ISSUES, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("issues-source"))
                .foreach((key, value) -> {
                    throw new IllegalStateException("cannot count " + key);
                }, Named.as("always-fails"));
        return builder.build();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
