package dev.ghactivity.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {
    @TempDir
    Path dir;

    @Test
    void committedTransactionsSurviveARestartOnTheSameDirectoryAndAbortedOnesStayInvisible() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(List.of(new NewTopic("t", 3, (short) 1)));
            try (KafkaProducer<String, String> producer = transactionalProducer(broker)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "a", "committed"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "b", "aborted"));
                producer.flush();
                producer.abortTransaction();
            }
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(List.of(new NewTopic("t", 3, (short) 1))); // exists: no error
            assertThat(readAll(broker, "t", 1)).containsExactly("a=committed");
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafkaBroker broker) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-tx"),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(EmbeddedKafkaBroker broker, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && values.size() < expected) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.key() + "=" + r.value());
                }
            }
            // One more poll: an aborted record would show up now if isolation were broken.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.key() + "=" + r.value()));
        }
        return values;
    }
}
