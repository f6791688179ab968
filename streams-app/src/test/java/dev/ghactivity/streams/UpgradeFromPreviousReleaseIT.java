package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.Schema.Parser;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 16: an application id whose state the previous release built (four repartitions, no topology version with
 * its settings, rows in the released {@code MonthlyActivity-1} schema, offsets committed at the end of the input)
 * is rebuilt by itself at the first start of this release, with a log line saying so: the output ends with the same
 * counts plus the new metrics, never a mix of old and new state; the next start does not rebuild again.
 */
class UpgradeFromPreviousReleaseIT {
    private static final String REPO = "org/up";

    @TempDir
    Path dir;

    @Test
    void aPreviousReleasesStateIsRebuiltByItselfAndLogged() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            sendTheInput(broker);
            String applicationId = "upgrade-" + System.nanoTime();
            Path stateDir = dir.resolve("state");
            previousRelease(broker, applicationId, stateDir);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(BrokerTopics.monthlyActivity(broker)).isEqualTo(Map.of(
                    "org/up|2024-01", "1/1/1/1/1/0", "org/up|2024-02", "2/2/0/0/1/1"))); // the old rule counted the bot

            // An instance of the previous release still in the group: the reset is refused, nothing is touched.
            try (KafkaConsumer<String, byte[]> oldInstance = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, applicationId, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                oldInstance.subscribe(List.of(Topics.COMMITS));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    oldInstance.poll(Duration.ofMillis(100));
                    return !oldInstance.assignment().isEmpty();
                });
                MonthlyActivityApp refused = new MonthlyActivityApp(config(broker, applicationId, stateDir));
                assertThatThrownBy(refused::start).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("application " + applicationId + " must rebuild its counting state for this release, but "
                                + "1 instance(s) of it are still running (")
                        .hasMessageEndingWith("): stop them all, then start this release");
            }
            assertThat(Files.exists(stateDir.resolve(applicationId).resolve("1_0").resolve("old-release-store"))).isTrue();

            Logger appLog = (Logger) LoggerFactory.getLogger(MonthlyActivityApp.class);
            ListAppender<ILoggingEvent> lines = new ListAppender<>();
            lines.start();
            appLog.addAppender(lines);
            Map<String, String> expected = Map.of(
                    "org/up|2024-01", "1/1/1/1/1/0 0/0/1 -,- 24.0,24.0",
                    "org/up|2024-02", "2/1/0/0/1/1 1/1/0 744.0,744.0 -,-");
            try (MonthlyActivityApp app = new MonthlyActivityApp(config(broker, applicationId, stateDir)).start()) {
                app.awaitRunning(Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(BrokerTopics.wholeRows(broker)).isEqualTo(expected));
            } finally {
                appLog.detachAppender(lines);
            }
            assertThat(lines.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList()))
                    .anyMatch(l -> l.equals("application " + applicationId + ": its counting state was built by topology version 1, "
                            + "this release counts with version " + MonthlyActivityTopology.VERSION + " ("
                            + MonthlyActivityTopology.VERSION_CHANGES.get(MonthlyActivityTopology.VERSION) + "): rebuilding it from the input topics"))
                    .anyMatch(l -> l.startsWith("application " + applicationId + ": deleted its 2 internal topics [" + applicationId
                            + "-commits-by-author-month-repartition, " + applicationId + "-monthly-activity-changelog]"));
            assertThat(Files.exists(stateDir.resolve(applicationId).resolve("1_0").resolve("old-release-store"))).isFalse();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).doesNotContain(applicationId + "-commits-by-author-month-repartition")
                        .contains(applicationId + "-contributions-by-repo-repartition");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(BrokerTopics.readAllBytes(broker, CountingSettings.topic(applicationId))
                    .stream().map(r -> new String(r.value())).collect(Collectors.toList()))
                    .containsExactly("zone=UTC,commit-date-field=AUTHOR", "zone=UTC,commit-date-field=AUTHOR,topology=" + MonthlyActivityTopology.VERSION));

            // The next start finds its own version: no rebuild, and the rows stay as they are.
            lines.list.clear();
            appLog.addAppender(lines);
            try (MonthlyActivityApp app = new MonthlyActivityApp(config(broker, applicationId, stateDir)).start()) {
                app.awaitRunning(Duration.ofSeconds(90));
            } finally {
                appLog.detachAppender(lines);
            }
            assertThat(lines.list).noneMatch(e -> e.getFormattedMessage().contains("rebuilding"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(BrokerTopics.wholeRows(broker)).isEqualTo(expected));
        }
    }

    private static StreamsAppConfig config(EmbeddedKafkaBroker broker, String applicationId, Path stateDir) {
        return StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers()).applicationId(applicationId)
                .stateDir(stateDir).httpHost("127.0.0.1")
                // Streams never leaves its group on close: do not wait 45 s for the first run's session at the second.
                .property(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000).build();
    }

    /**
     * What the previous release leaves: its settings without a topology version, its group's offsets at the end of
     * the input, its internal topics (a changelog whose old rows must not be restored), its local state, and its
     * rows in the released schema (which counted the bot as an author) on the output topic.
     */
    private static void previousRelease(EmbeddedKafkaBroker broker, String applicationId, Path stateDir) throws Exception {
        Schema released;
        try (var in = UpgradeFromPreviousReleaseIT.class.getResourceAsStream("/dev/ghactivity/schemas/history/MonthlyActivity-1.avsc")) {
            released = new Parser().parse(in);
        }
        byte[] january = oldRow(released, "2024-01", 1, 1, 1, 1, 1, 0);
        byte[] february = oldRow(released, "2024-02", 2, 2, 0, 0, 1, 1);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(applicationId + "-commits-by-author-month-repartition", 2, (short) 1),
                    new NewTopic(applicationId + "-monthly-activity-changelog", 2, (short) 1),
                    new NewTopic(CountingSettings.topic(applicationId), 1, (short) 1))).all().get();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(CountingSettings.topic(applicationId), CountingSettings.KEY,
                        "zone=UTC,commit-date-field=AUTHOR".getBytes())).get();
                for (String topic : List.of(Topics.MONTHLY_ACTIVITY, applicationId + "-monthly-activity-changelog")) {
                    p.send(new ProducerRecord<>(topic, REPO + "|2024-01", january)).get();
                    p.send(new ProducerRecord<>(topic, REPO + "|2024-02", february)).get();
                }
            }
            commitEndsOfTheInput(admin, applicationId);
        }
        Path store = stateDir.resolve(applicationId).resolve("1_0").resolve("old-release-store");
        Files.createDirectories(store);
        Files.writeString(store.resolve("data"), "state of the previous release");
    }

    /** The group's offsets at the end of both input topics: the previous release had counted everything. */
    private static void commitEndsOfTheInput(Admin admin, String applicationId) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> ends = new java.util.HashMap<>();
        for (String topic : List.of(Topics.COMMITS, Topics.ISSUES)) {
            for (int partition = 0; partition < 2; partition++) {
                TopicPartition tp = new TopicPartition(topic, partition);
                long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
                ends.put(tp, new OffsetAndMetadata(end));
            }
        }
        admin.alterConsumerGroupOffsets(applicationId, ends).all().get();
    }

    /**
     * Topology version 2 to 3 (coalesced output): the month totals' stored format changed (they carry {@code
     * updated_at}), so a version 2 state must not be restored. Its rows (the same counts) are on the output topic, its
     * changelogs hold totals in the old format; the start rebuilds, logs it, and re-emits the same counts.
     */
    @Test
    void aVersionTwoStateIsRebuiltForTheCoalescedOutputWithTheSameCounts() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            sendTheInput(broker);
            String applicationId = "upgrade-v2-" + System.nanoTime();
            Path stateDir = dir.resolve("state");
            Map<String, String> expected = Map.of(
                    "org/up|2024-01", "1/1/1/1/1/0 0/0/1 -,- 24.0,24.0",
                    "org/up|2024-02", "2/1/0/0/1/1 1/1/0 744.0,744.0 -,-");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(applicationId + "-contributions-by-repo-repartition", 2, (short) 1),
                        new NewTopic(applicationId + "-month-counters-changelog", 2, (short) 1),
                        new NewTopic(CountingSettings.topic(applicationId), 1, (short) 1))).all().get();
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer())) {
                    p.send(new ProducerRecord<>(CountingSettings.topic(applicationId), CountingSettings.KEY,
                            "zone=UTC,commit-date-field=AUTHOR,topology=2".getBytes())).get();
                    // Version 2's totals: 13 longs (no updated_at); restored by version 3 they would not even read.
                    ByteBuffer january = ByteBuffer.allocate(13 * Long.BYTES);
                    for (long v : new long[] {1, 0, 1, 1, 1, 1, 1, 0, 0, Long.MIN_VALUE, Long.MIN_VALUE, 86_400_000, 86_400_000}) {
                        january.putLong(v);
                    }
                    p.send(new ProducerRecord<>(applicationId + "-month-counters-changelog", REPO + "|2024-01", january.array())).get();
                }
                commitEndsOfTheInput(admin, applicationId);
            }
            Map<Integer, Long> lastOffsetBefore = new java.util.HashMap<>();
            try (MonthlyActivityApp previous = new MonthlyActivityApp(config(broker, "rows-" + applicationId, dir.resolve("rows")))) {
                // The rows version 2 wrote: the same counts (another application id computes them on the same input).
                previous.start().awaitRunning(Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(BrokerTopics.wholeRows(broker)).isEqualTo(expected));
                BrokerTopics.readAllBytes(broker, Topics.MONTHLY_ACTIVITY).forEach(r -> lastOffsetBefore.merge(r.partition(), r.offset(), Math::max));
            }

            Logger appLog = (Logger) LoggerFactory.getLogger(MonthlyActivityApp.class);
            ListAppender<ILoggingEvent> lines = new ListAppender<>();
            lines.start();
            appLog.addAppender(lines);
            try (MonthlyActivityApp app = new MonthlyActivityApp(config(broker, applicationId, stateDir)).start()) {
                app.awaitRunning(Duration.ofSeconds(90));
                // Both months re-emitted after the old rows, ending with the same counts (a rebuild only adds: a month's
                // latest row equals the expected one only once all of its input is counted again).
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                    assertThat(BrokerTopics.readAllBytes(broker, Topics.MONTHLY_ACTIVITY).stream()
                            .filter(r -> r.offset() > lastOffsetBefore.getOrDefault(r.partition(), -1L)).map(r -> r.key()).distinct())
                            .containsExactlyInAnyOrder(REPO + "|2024-01", REPO + "|2024-02");
                    assertThat(BrokerTopics.wholeRows(broker)).isEqualTo(expected);
                });
                assertThat(MonthlyActivityTopology.pendingMonths(app.streams())).hasValue(0);
            } finally {
                appLog.detachAppender(lines);
            }
            assertThat(lines.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList()))
                    .anyMatch(l -> l.equals("application " + applicationId + ": its counting state was built by topology version 2, "
                            + "this release counts with version 3 (coalesced output): rebuilding it from the input topics"))
                    .anyMatch(l -> l.startsWith("application " + applicationId + ": deleted its 2 internal topics [" + applicationId
                            + "-contributions-by-repo-repartition, " + applicationId + "-month-counters-changelog]"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(BrokerTopics.readAllBytes(broker, CountingSettings.topic(applicationId))
                    .stream().map(r -> new String(r.value())).collect(Collectors.toList()))
                    .containsExactly("zone=UTC,commit-date-field=AUTHOR,topology=2", "zone=UTC,commit-date-field=AUTHOR,topology=3"));
        }
    }

    private static void sendTheInput(EmbeddedKafkaBroker broker) {
        BrokerTopics.sendCommits(broker, List.of(
                Events.commitBy(REPO, "a".repeat(40), "ann", "ann@example.com", "2024-01-10T00:00:00Z"),
                Events.commitBy(REPO, "b".repeat(40), null, "7+ann@users.noreply.github.com", "2024-02-10T00:00:00Z"),
                Events.commitBy(REPO, "c".repeat(40), "dependabot[bot]", "1+dependabot[bot]@users.noreply.github.com", "2024-02-11T00:00:00Z")));
        BrokerTopics.sendIssues(broker, List.of(
                Events.issue(REPO, 1, false, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", null),
                Events.issue(REPO, 2, true, "2024-01-05T00:00:00Z", "2024-02-05T00:00:00Z", "2024-02-05T00:00:00Z"),
                Events.issue(REPO, 3, true, "2024-02-06T00:00:00Z", "2024-02-07T00:00:00Z", null)));
    }

    private static byte[] oldRow(Schema released, String month, long commits, long authors, long issuesOpened, long issuesClosed,
                                 long prsOpened, long prsMerged) throws Exception {
        GenericRecord row = new GenericData.Record(released);
        row.put("repo", REPO);
        row.put("month", month);
        row.put("commits", commits);
        row.put("commit_authors", authors);
        row.put("issues_opened", issuesOpened);
        row.put("issues_closed", issuesClosed);
        row.put("prs_opened", prsOpened);
        row.put("prs_merged", prsMerged);
        row.put("updated_at", Instant.parse("2026-11-01T00:00:00Z").toEpochMilli());
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), released).encode(row);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }
}
