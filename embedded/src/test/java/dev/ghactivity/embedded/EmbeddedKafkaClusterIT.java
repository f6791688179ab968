package dev.ghactivity.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaClusterIT {
    @TempDir
    Path dir;

    @Test
    void threeNodesReplicateEveryTopicThreeTimesAndKeepCommittingTransactionsWhileOneNodeIsDown() throws Exception {
        String firstBootstrap;
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(dir, 3, Map.of())) {
            firstBootstrap = cluster.bootstrapServers();
            assertThat(cluster.nodeIds()).containsExactly(1, 2, 3);
            cluster.createTopics(List.of(new NewTopic("t", 3, (short) 3)));
            try (KafkaProducer<String, String> producer = transactionalProducer(cluster)) {
                producer.initTransactions();
                commit(producer, "before", 0, 30);

                cluster.stopNode(2);
                assertThat(cluster.isRunning(2)).isFalse();
                // Two of three replicas are min.insync.replicas: acks=all writes and transactions go on.
                commit(producer, "during", 0, 30);

                cluster.restartNode(2);
                cluster.awaitFullyReplicated(Duration.ofSeconds(60));
                commit(producer, "after", 0, 30);
            }
            try (Admin admin = cluster.admin()) {
                TopicDescription t = admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
                assertThat(t.partitions()).hasSize(3).allSatisfy(p -> {
                    assertThat(p.replicas()).hasSize(3);
                    assertThat(p.isr()).hasSize(3);
                });
                assertThat(admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "t")))
                        .all().get().values().iterator().next().get("min.insync.replicas").value()).isEqualTo("2");
                TopicDescription tx = admin.describeTopics(List.of("__transaction_state")).allTopicNames().get().get("__transaction_state");
                assertThat(tx.partitions()).extracting(TopicPartitionInfo::replicas).allSatisfy(r -> assertThat(r).hasSize(3));
            }
            List<String> values = readAll(cluster, "t", 90);
            assertThat(values).hasSize(90).doesNotHaveDuplicates();
            assertThat(values.stream().filter(v -> v.startsWith("during")).count()).isEqualTo(30);
        }
        // A second start on the same directories listens where the first did and finds the data.
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(dir, 3, Map.of())) {
            assertThat(cluster.bootstrapServers()).isEqualTo(firstBootstrap);
            cluster.createTopics(List.of(new NewTopic("t", 3, (short) 3)));
            assertThat(readAll(cluster, "t", 90)).hasSize(90);
        }
    }

    private static void commit(KafkaProducer<String, String> producer, String prefix, int from, int to) {
        producer.beginTransaction();
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>("t", prefix + i, prefix + "-" + i));
        }
        producer.commitTransaction();
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafkaCluster cluster) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cluster-test-tx"),
                new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(EmbeddedKafkaCluster cluster, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && values.size() < expected) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
