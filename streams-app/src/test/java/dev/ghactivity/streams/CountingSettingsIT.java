package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 12.3: a start with another {@code --zone} or {@code --commit-date-field} than the application id counted
 * with is refused (exit 1, one line naming both), and leaves the counts as they were.
 */
class CountingSettingsIT {
    @TempDir
    Path dir;

    @Test
    void aChangedZoneOrCommitDateFieldIsRefusedAndTheCountsStayExact() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            // 23:30 UTC on Jan 31 is February in Berlin; committed a day later.
            BrokerTopics.sendCommits(broker, List.of(
                    Events.commit("org/z", "a".repeat(40), "ann", "2024-01-31T23:30:00Z", "2024-02-01T23:30:00Z"),
                    Events.commit("org/z", "b".repeat(40), "bob", "2024-01-15T12:00:00Z", "2024-01-15T12:00:00Z")));
            Map<String, String> utc = Map.of("org/z|2024-01", "2/2/0/0/0/0");
            String applicationId = "settings-" + System.nanoTime();
            StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId(applicationId).stateDir(dir.resolve("state")).zone(ZoneId.of("UTC"))
                    .property(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(config).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(BrokerTopics.monthlyActivity(broker)).isEqualTo(utc));
            }

            int port = freePort();
            Run berlin = cli(broker, applicationId, port, "--zone", "Europe/Berlin");
            assertThat(berlin.exitCode).isEqualTo(1);
            assertThat(berlin.stderr).isEqualTo("ghactivity-streams: application " + applicationId + " counted months with "
                    + "zone=UTC,commit-date-field=AUTHOR (stored in topic " + applicationId + "-settings), this start asks for "
                    + "zone=Europe/Berlin,commit-date-field=AUTHOR: mixing them would corrupt every count. Start with the stored "
                    + "settings, or count from scratch under a new --application-id (see README, 'Changing the zone')\n");
            Run committer = cli(broker, applicationId, port, "--zone", "UTC", "--commit-date-field", "COMMITTER");
            assertThat(committer.exitCode).isEqualTo(1);
            assertThat(committer.stderr).contains("this start asks for zone=UTC,commit-date-field=COMMITTER");
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress("127.0.0.1", port)); // the refused starts closed their query API
            }

            // The same settings start again (a restart with an empty state dir too), and nothing was mixed.
            StreamsAppConfig fresh = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId(applicationId).stateDir(dir.resolve("state-2"))
                    // The first run did not leave the group (Streams never does): do not wait 45 s for its session.
                    .property(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(fresh).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
            }
            assertThat(BrokerTopics.monthlyActivity(broker)).isEqualTo(utc);
        }
    }

    private record Run(int exitCode, String stderr) {
    }

    private Run cli(EmbeddedKafkaBroker broker, String applicationId, int port, String... settings) {
        List<String> args = new java.util.ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                "--application-id", applicationId, "--state-dir", dir.resolve("state").toString(),
                "--http-host", "127.0.0.1", "--http-port", Integer.toString(port)));
        args.addAll(List.of(settings));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new StreamsAppCli()).execute(args.toArray(String[]::new));
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
