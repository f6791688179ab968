package dev.ghactivity.streams;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writing events to and reading results from a test broker's topics (read_committed, as the sinks read). */
final class BrokerTopics {
    private BrokerTopics() {
    }

    static <V> KafkaProducer<String, V> producer(EmbeddedKafkaBroker broker, Serializer<V> values) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), values);
    }

    static void sendCommits(EmbeddedKafkaBroker broker, List<CommitEvent> events) {
        try (KafkaProducer<String, CommitEvent> p = producer(broker, AvroSerdes.commitEvent().serializer())) {
            events.forEach(c -> p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), c)));
        }
    }

    static void sendIssues(EmbeddedKafkaBroker broker, List<IssueEvent> events) {
        try (KafkaProducer<String, IssueEvent> p = producer(broker, AvroSerdes.issueEvent().serializer())) {
            events.forEach(i -> p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(i.getRepo(), i.getNumber()), i)));
        }
    }

    /**
     * The latest value of every key of {@code github.monthly-activity} (tombstones remove), as
     * {@code commits/authors/issues opened/closed/PRs opened/merged}.
     */
    static Map<String, String> monthlyActivity(EmbeddedKafkaBroker broker) {
        return latestRows(broker, BrokerTopics::counts);
    }

    /** The latest whole row of every key of {@code github.monthly-activity}, as {@link #wholeRow}. */
    static Map<String, String> wholeRows(EmbeddedKafkaBroker broker) {
        return latestRows(broker, BrokerTopics::wholeRow);
    }

    private static Map<String, String> latestRows(EmbeddedKafkaBroker broker, java.util.function.Function<MonthlyActivity, String> format) {
        Map<String, String> result = new TreeMap<>();
        for (ConsumerRecord<String, MonthlyActivity> r : readAll(broker, Topics.MONTHLY_ACTIVITY, AvroSerdes.monthlyActivity().deserializer())) {
            if (r.value() == null) {
                result.remove(r.key());
            } else {
                result.put(r.key(), format.apply(r.value()));
            }
        }
        return result;
    }

    /**
     * {@code commits/authors/issuesOpened/issuesClosed/prsOpened/prsMerged prsClosedUnmerged/botCommits/newContributors
     * mergeP50,mergeP90 closeP50,closeP90} (hours, - for null).
     */
    static String wholeRow(MonthlyActivity a) {
        return counts(a) + " " + a.getPrsClosedUnmerged() + "/" + a.getBotCommits() + "/" + a.getNewContributors()
                + " " + hours(a.getPrMergeHoursP50()) + "," + hours(a.getPrMergeHoursP90())
                + " " + hours(a.getIssueCloseHoursP50()) + "," + hours(a.getIssueCloseHoursP90());
    }

    private static String hours(Double h) {
        return h == null ? "-" : h.toString();
    }

    static String counts(MonthlyActivity a) {
        return a.getCommits() + "/" + a.getCommitAuthors() + "/" + a.getIssuesOpened() + "/" + a.getIssuesClosed()
                + "/" + a.getPrsOpened() + "/" + a.getPrsMerged();
    }

    /** Every committed record of a topic, until three polls in a row find nothing. */
    static List<ConsumerRecord<String, byte[]>> readAllBytes(EmbeddedKafkaBroker broker, String topic) {
        return readAll(broker, topic, new ByteArrayDeserializer());
    }

    private static <V> List<ConsumerRecord<String, V>> readAll(EmbeddedKafkaBroker broker, String topic, Deserializer<V> values) {
        List<ConsumerRecord<String, V>> all = new java.util.ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime()),
                new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            for (int empty = 0; empty < 3; ) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (records.isEmpty()) {
                    empty++;
                }
                records.forEach(all::add);
            }
        }
        return all;
    }
}
