package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ghactivity.testkit.FakeGitHub;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@code docker-compose.yml} run for real, the way a user runs it (after {@code ./mvnw package}): the producer
 * container reads the fake GitHub on this host ({@code GITHUB_API_URL=http://host.docker.internal:PORT}), and
 * SQLite (copied out of the connect container's volume, with its WAL) and MinIO must hold exactly the recorded
 * fixtures' counts. Then the Kafka container is re-created on its volume: every topic must keep every record,
 * and the pipeline keeps the same counts.
 * Needs a Docker engine with {@code docker compose}; skipped (one line in the test report) where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerComposeDockerIT {
    private static final String TIDBIT_REPO = TwoRepositoryFixture.TIDBIT_REPO;
    private static final String EXAMPLE_REPO = TwoRepositoryFixture.EXAMPLE_REPO;
    private static final List<String> TOPICS = List.of("github.commits", "github.issues", "github.ingest-state", "github.monthly-activity");

    private final Path root = DockerImages.projectRoot();
    private final Path composeFile = root.resolve("docker-compose.yml");

    @TempDir
    Path dir;

    @Test
    void theComposeStackWritesTheExactCountsAndKeepsEveryRecordWhenKafkaIsRecreated() throws Exception {
        Assumptions.assumeTrue(run(List.of("docker", "compose", "version"), Map.of()).exitCode == 0,
                "the Docker CLI has no 'docker compose': skipping the compose test");
        try (FakeGitHub github = FakeGitHub.start(InetAddress.getByName("0.0.0.0"), 0)) {
            TwoRepositoryFixture.serveOn(github);
            Map<String, String> env = Map.of(
                    "GITHUB_API_URL", "http://host.docker.internal:" + github.port(),
                    "REPOS", TIDBIT_REPO + " " + EXAMPLE_REPO,
                    "GITHUB_TOKEN", "");
            ComposeContainer compose = new ComposeContainer(composeFile.toFile())
                    .withEnv(env)
                    .withExposedService("minio-1", 9000, Wait.forListeningPort())
                    .withRemoveVolumes(true)
                    .withStartupTimeout(Duration.ofMinutes(10));
            compose.start();
            try {
                URI minio = URI.create("http://" + compose.getServiceHost("minio-1", 9000) + ":" + compose.getServicePort("minio-1", 9000));
                Map<String, Long> commits = TwoRepositoryFixture.commits();
                Map<String, Long> prs = TwoRepositoryFixture.pullRequests();

                awaitCounts(compose, minio, commits, prs);
                String project = compose.getContainerByServiceName("kafka-1").orElseThrow()
                        .getContainerInfo().getConfig().getLabels().get("com.docker.compose.project");
                Map<String, Long> before = endOffsets(project, env);
                assertThat(before.get("github.commits")).as("records on github.commits").isEqualTo(31);

                // A new Kafka container on the same volume (what `docker compose up` does after an image update).
                Result recreate = run(compose(project, "up", "-d", "--force-recreate", "--no-deps", "kafka"), env);
                assertThat(recreate.exitCode).as(recreate.output).isZero();
                Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                        .untilAsserted(() -> assertThat(endOffsets(project, env)).isEqualTo(before));
                // The apps reconnect and the next poll (every 60 s) changes nothing.
                Thread.sleep(Duration.ofSeconds(70).toMillis());
                assertThat(endOffsets(project, env).get("github.commits")).isEqualTo(31);
                awaitCounts(compose, minio, commits, prs);
            } finally {
                compose.stop();
            }
        }
    }

    private void awaitCounts(ComposeContainer compose, URI minio, Map<String, Long> commits, Map<String, Long> prs) {
        Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
            Path db = copySqliteOut(compose.getContainerByServiceName("connect-1").orElseThrow());
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, commit_count FROM aggregate_commits")).isEqualTo(commits);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, prs_opened FROM monthly_activity WHERE prs_opened > 0"))
                    .isEqualTo(prs);
            Map<String, JsonNode> s3 = PipelineOutputs.s3SnapshotRows(minio, "minioadmin", "minioadmin", "ghactivity", "monthly-activity", dir);
            assertThat(PipelineOutputs.column(s3, "commits")).isEqualTo(commits);
            assertThat(PipelineOutputs.column(s3, "prs_opened")).isEqualTo(prs);
        });
    }

    /** The SQLite file and its write-ahead log, out of the connect container's volume (like `docker compose cp`). */
    private Path copySqliteOut(ContainerState connect) throws IOException, InterruptedException {
        Path copy = Files.createDirectories(dir.resolve("sqlite-" + System.nanoTime()));
        connect.copyFileFromContainer("/data/ghactivity.db", copy.resolve("ghactivity.db").toString());
        try {
            connect.copyFileFromContainer("/data/ghactivity.db-wal", copy.resolve("ghactivity.db-wal").toString());
        } catch (RuntimeException noWal) {
            // checkpointed: everything is in the main file
        }
        return copy.resolve("ghactivity.db");
    }

    /** Sum of the end offsets of each pipeline topic, read by Kafka's own tool inside the Kafka container. */
    private Map<String, Long> endOffsets(String project, Map<String, String> env) throws IOException, InterruptedException {
        Map<String, Long> offsets = new TreeMap<>();
        for (String topic : TOPICS) {
            Result r = run(compose(project, "exec", "-T", "kafka", "/opt/kafka/bin/kafka-get-offsets.sh",
                    "--bootstrap-server", "localhost:9092", "--topic", topic), env);
            if (r.exitCode != 0) {
                throw new IllegalStateException("kafka-get-offsets.sh failed: " + r.output);
            }
            long sum = 0;
            for (String line : r.output.split("\\R")) {
                String[] parts = line.strip().split(":");
                if (parts.length == 3 && parts[0].equals(topic)) {
                    sum += Long.parseLong(parts[2]);
                }
            }
            offsets.put(topic, sum);
        }
        return offsets;
    }

    private List<String> compose(String project, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "compose", "-p", project, "-f", composeFile.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p;
        try {
            p = builder.start();
        } catch (IOException noDockerCli) {
            return new Result(-1, noDockerCli.getMessage());
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output) {
    }
}
