package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code ghactivity-producer --once} with the webhook receiver on, after a receiver was killed mid-transaction, against a
 * GitHub host that does not answer: the start initialises {@code <id>-webhooks} (the killed one's transaction is aborted
 * at once, no read_committed reader waits for its timeout), and the run ends with its summary line and one error line, exit 1.
 */
class ProducerCliOnceIT {
    private static final TopicPartition ISSUES_0 = new TopicPartition(Topics.ISSUES, 0);

    @TempDir
    Path dir;

    @Test
    void aRunThatReachesNoGitHubAbortsWhatAKilledReceiverLeftOpenAndEndsWithItsSummaryThenOneErrorLine() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // nothing listens there once closed
        }
        Path secret = Files.writeString(dir.resolve("secret"), "once-it-secret\n");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger cliLogger = (Logger) LoggerFactory.getLogger(ProducerCli.class);
        logs.start();
        cliLogger.addAppender(logs);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(1, (short) 1));
            // The killed receiver: a transaction left open under <id>-webhooks, for the broker's longest timeout (15 min).
            KafkaProducer<String, byte[]> killed = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "once-it-webhooks", ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000),
                    new StringSerializer(), new ByteArraySerializer());
            killed.initTransactions();
            killed.beginTransaction();
            killed.send(new ProducerRecord<>(Topics.ISSUES, "acme/widgets#1", new byte[] {1})).get();
            assertThat(lastStableOffset(broker)).as("held by the open transaction").isZero();

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = run(err, "--repo", "acme/widgets", "--github-api-url", "http://127.0.0.1:" + deadPort,
                    "--bootstrap-servers", broker.bootstrapServers(), "--transactional-id", "once-it", "--once",
                    "--webhook-port", "0", "--webhook-bind-address", "127.0.0.1", "--webhook-secret-file", secret.toString());

            assertThat(code).isEqualTo(CliExitCodes.FATAL);
            assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                    .isEqualTo("ghactivity-producer: " + unreachable(deadPort));
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.startsWith("done: "))
                    .singleElement().asString()
                    .startsWith("done: acme/widgets unreachable (0 commits, 0 issues, 0 malformed, ")
                    .endsWith(" requests, 0 not modified: " + unreachable(deadPort) + ")");
            // Aborted at the start: the record and its abort marker, and the last stable offset at the end.
            assertThat(lastStableOffset(broker)).isEqualTo(2);
            killed.close(Duration.ZERO);
        } finally {
            cliLogger.detachAppender(logs);
        }
    }

    private static String unreachable(int port) {
        return "cannot reach the GitHub API at 127.0.0.1:" + port + ": no connection after 6 attempts (Failed to connect to /127.0.0.1:"
                + port + "); check the network, the proxy (HTTPS_PROXY/NO_PROXY or -Dhttps.proxyHost) and --github-api-url";
    }

    /** read_committed end offset of github.issues-0. */
    private static long lastStableOffset(EmbeddedKafkaBroker broker) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(List.of(ISSUES_0)).get(ISSUES_0);
        }
    }

    private static int run(ByteArrayOutputStream err, String... args) {
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new ProducerCli()).execute(args);
        } finally {
            System.setErr(original);
        }
    }
}
