package dev.ghactivity.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
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

    @Test
    void everyStartOnOneDirectoryListensOnThePortsOfTheFirst() {
        String first;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            first = broker.bootstrapServers();
        }
        for (int restart = 0; restart < 2; restart++) {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
                assertThat(broker.bootstrapServers()).isEqualTo(first);
            }
        }
        ListenerPorts kept = ListenerPorts.load(dir.resolve("kafka").toAbsolutePath());
        assertThat("127.0.0.1:" + kept.broker()).isEqualTo(first);
        assertThat(kept.controller()).isNotEqualTo(kept.broker());
    }

    @Test
    void aKeptPortTakenByAnotherProcessFailsTheStartWithOneLineNamingThePortAndTheDirectory() throws Exception {
        Path kafka = dir.resolve("kafka");
        EmbeddedKafkaBroker.start(kafka).close();
        int port = ListenerPorts.load(kafka.toAbsolutePath()).broker();
        try (ServerSocket squatter = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedKafkaBroker.start(kafka))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + port)
                    .hasMessageContaining(kafka.toAbsolutePath().resolve("listeners.properties").toString())
                    .hasMessageContaining("taken by another process")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(kafka)) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
        }
    }

    /**
     * Reproduction of issue 12.1: a producer's transaction left open when the broker stopped (as when the whole
     * local stack is killed) is aborted after the restart, so read_committed readers move on past it.
     */
    @Test
    void aTransactionLeftOpenAcrossARestartIsAbortedAndReadersMoveOn() {
        Path kafka = dir.resolve("kafka");
        KafkaProducer<String, String> abandoned;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(kafka)) {
            broker.createTopics(List.of(new NewTopic("t", 1, (short) 1)));
            abandoned = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "killed-tx",
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2000),
                    new StringSerializer(), new StringSerializer());
            abandoned.initTransactions();
            abandoned.beginTransaction();
            abandoned.send(new ProducerRecord<>("t", "x", "never committed"));
            abandoned.flush();
        }
        abandoned.close(Duration.ZERO);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(kafka);
             KafkaProducer<String, String> next = transactionalProducer(broker)) {
            next.initTransactions();
            next.beginTransaction();
            next.send(new ProducerRecord<>("t", "a", "after restart"));
            next.commitTransaction();
            assertThat(readAll(broker, "t", 1)).containsExactly("a=after restart");
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
