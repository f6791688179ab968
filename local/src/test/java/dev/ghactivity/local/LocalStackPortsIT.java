package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.PortTakenException;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.9 and 12.1 through the runnable jar: a port the stack must listen on that another process holds is
 * one line on stderr naming what to change, exit code 1, no stack trace anywhere.
 */
class LocalStackPortsIT {
    private static final String REPO = "ports/taken";

    @TempDir
    Path dir;

    private static ServerSocket squat(int port) throws Exception {
        // 0.0.0.0, as the query API binds: held on every address
        return new ServerSocket(port, 1, null);
    }

    @Test
    void aTakenQueryApiPortIsOneLineNamingHttpPortAndExitCodeOne() throws Exception {
        try (FakeGitHub github = FakeGitHub.start();
             ServerSocket squatter = squat(0)) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            int port = squatter.getLocalPort();
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(), "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", dir.resolve("data").toString(), "--http-port", String.valueOf(port))) {
                assertThat(run.awaitExit(Duration.ofMinutes(3))).as(LocalStackProcess.tail(run.stdout())).isEqualTo(1);
                assertThat(run.stderr().strip().lines().toList()).singleElement().asString()
                        .startsWith("ghactivity: port " + port + " of the query API is taken").contains("--http-port");
                assertThat(run.stdout()).doesNotContain("\tat ").doesNotContain("Exception");
            }
            assertThat(github.requests()).as("nothing polled").isEmpty();
        }
    }

    @Test
    void aTakenKafkaPortKeptInTheDataDirIsOneLineNamingThePortAndTheDataDir() throws Exception {
        Path data = dir.resolve("data");
        int kafkaPort;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data.resolve("kafka"))) {
            kafkaPort = Integer.parseInt(broker.bootstrapServers().substring(broker.bootstrapServers().lastIndexOf(':') + 1));
        }
        try (FakeGitHub github = FakeGitHub.start();
             ServerSocket squatter = new ServerSocket(kafkaPort, 1, InetAddress.getLoopbackAddress())) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(), "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once")) {
                assertThat(run.awaitExit(Duration.ofMinutes(2))).as(LocalStackProcess.tail(run.stdout())).isEqualTo(1);
                assertThat(run.stderr().strip().lines().toList()).singleElement().asString()
                        .startsWith("ghactivity: port " + kafkaPort + " on 127.0.0.1 (the Kafka broker listener kept in "
                                + data.resolve("kafka").toAbsolutePath().resolve("listeners.properties"))
                        .contains("taken by another process");
                assertThat(run.stdout()).doesNotContain("\tat ");
            }
            assertThat(github.requests()).isEmpty();
        }
    }

    /** Issue 12.7: a start that fails half-way (here: at the query API, after broker, S3 and Connect) closes what it opened. */
    @Test
    void aStartThatFailsHalfWayReleasesTheBrokersPortsAndItsLogDirectory() throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start();
             ServerSocket squatter = squat(0)) {
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl()).dataDir(data).httpPort(squatter.getLocalPort()).build();
            LocalStack stack = new LocalStack(config, GitHubToken.none());
            assertThatThrownBy(stack::start).isInstanceOf(PortTakenException.class).hasMessageContaining("--http-port");
        }
        Properties kept = new Properties();
        try (var in = Files.newInputStream(data.resolve("kafka/listeners.properties"))) {
            kept.load(in);
        }
        for (String port : List.of(kept.getProperty("broker.port"), kept.getProperty("controller.port"))) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port))); // throws if still bound
            }
        }
        // The log directory's lock is free again: the broker starts on it and finds the stack's topics.
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data.resolve("kafka"));
             var admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).contains(Topics.COMMITS, Topics.ISSUES, Topics.MONTHLY_ACTIVITY);
        }
    }
}
