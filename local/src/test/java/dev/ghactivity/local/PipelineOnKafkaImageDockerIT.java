package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.StreamsAppConfig;
import dev.ghactivity.testkit.FakeGitHub;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The pipeline against the official images instead of the embedded servers: the {@code apache/kafka} broker
 * and MinIO at the versions {@code docker-compose.yml} pins ({@code .env}), the producer, the streams-app and
 * both sink connectors (in a Connect worker in this JVM, configured as the local stack configures it), fed by
 * the fake GitHub. SQLite and S3 must hold exactly the recorded fixtures' counts.
 * Needs a Docker engine; skipped (one line in the test report) where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class PipelineOnKafkaImageDockerIT {
    private static final String TIDBIT_REPO = TwoRepositoryFixture.TIDBIT_REPO;
    private static final String EXAMPLE_REPO = TwoRepositoryFixture.EXAMPLE_REPO;
    private static final String MINIO_USER = "minioadmin";
    private static final String MINIO_PASSWORD = "minioadmin";
    private static final String BUCKET = "ghactivity";

    private static KafkaContainer kafka;
    private static GenericContainer<?> minio;

    @TempDir
    Path dir;

    @BeforeAll
    static void startContainers() {
        Path root = DockerImages.projectRoot();
        kafka = new KafkaContainer(DockerImageName.parse(DockerImages.kafka(root)));
        minio = new GenericContainer<>(DockerImageName.parse(DockerImages.minio(root)))
                .withCommand("server", "/data")
                .withEnv("MINIO_ROOT_USER", MINIO_USER)
                .withEnv("MINIO_ROOT_PASSWORD", MINIO_PASSWORD)
                .withExposedPorts(9000)
                .waitingFor(Wait.forHttp("/minio/health/ready").forPort(9000));
        kafka.start();
        minio.start();
    }

    @AfterAll
    static void stopContainers() {
        if (minio != null) {
            minio.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void theProducerStreamsAppAndBothSinksWriteTheExactCountsThroughTheOfficialImages() throws Exception {
        String bootstrap = kafka.getBootstrapServers();
        URI s3Endpoint = URI.create("http://" + minio.getHost() + ":" + minio.getMappedPort(9000));
        createTopics(bootstrap);
        try (S3Client s3 = PipelineOutputs.s3Client(s3Endpoint, MINIO_USER, MINIO_PASSWORD)) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }

        List<AutoCloseable> parts = new ArrayList<>();
        try (FakeGitHub github = FakeGitHub.start()) {
            TwoRepositoryFixture.serveOn(github);

            MonthlyActivityApp streams = new MonthlyActivityApp(StreamsAppConfig.builder()
                    .bootstrapServers(bootstrap)
                    .applicationId(LocalStack.STREAMS_APPLICATION_ID)
                    .stateDir(dir.resolve("streams"))
                    .httpPort(0)
                    .build());
            parts.add(0, streams);
            streams.start();
            streams.awaitRunning(Duration.ofMinutes(3));

            EmbeddedConnectWorker connect = EmbeddedConnectWorker.start(
                    SinkConnectorConfigs.standaloneWorker(bootstrap, dir.resolve("connect.offsets")));
            parts.add(0, connect);
            Path db = dir.resolve("ghactivity.db");
            connect.putConnector(LocalStack.SQLITE_CONNECTOR, SinkConnectorConfigs.sqlite(LocalStack.SQLITE_CONNECTOR, db,
                    LocalStack.DEAD_LETTER_TOPIC));
            connect.putConnector(LocalStack.S3_CONNECTOR, SinkConnectorConfigs.s3(LocalStack.S3_CONNECTOR, s3Endpoint, BUCKET,
                    "us-east-1", MINIO_USER, MINIO_PASSWORD, Duration.ofSeconds(1), LocalStack.DEAD_LETTER_TOPIC));

            GitHubActivityProducer producer = new GitHubActivityProducer(ProducerAppConfig.builder()
                    .bootstrapServers(bootstrap)
                    .githubApiUrl(github.apiUrl())
                    .token(GitHubToken.none())
                    .repositories(List.of(RepositoryName.parse(TIDBIT_REPO), RepositoryName.parse(EXAMPLE_REPO)))
                    .build());
            parts.add(0, producer);
            IngestReport report = producer.pollOnce();
            assertThat(report.allIngested()).as(report.toString()).isTrue();

            Map<String, Long> commits = TwoRepositoryFixture.commits();
            Map<String, Long> prs = TwoRepositoryFixture.pullRequests();
            Map<String, Long> issues = TwoRepositoryFixture.issues();

            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, commit_count FROM aggregate_commits")).isEqualTo(commits);
                assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, issue_count FROM aggregate_issues")).isEqualTo(issues);
                assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, prs_opened FROM monthly_activity WHERE prs_opened > 0"))
                        .isEqualTo(prs);
                Map<String, JsonNode> s3 = PipelineOutputs.s3SnapshotRows(s3Endpoint, MINIO_USER, MINIO_PASSWORD, BUCKET,
                        "monthly-activity", dir);
                assertThat(PipelineOutputs.column(s3, "commits")).isEqualTo(commits);
                assertThat(PipelineOutputs.column(s3, "issues_opened")).isEqualTo(issues);
                assertThat(PipelineOutputs.column(s3, "prs_opened")).isEqualTo(prs);
                assertThat(s3.keySet()).isEqualTo(PipelineOutputs.sqliteRows(db).keySet());
            });
        } finally {
            for (AutoCloseable part : parts) {
                part.close();
            }
        }
    }

    private static void createTopics(String bootstrap) throws Exception {
        List<NewTopic> topics = new ArrayList<>(Topics.definitions(3, (short) 1));
        topics.add(Topics.deadLetterDefinition((short) 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(topics).all().get();
        }
    }
}
