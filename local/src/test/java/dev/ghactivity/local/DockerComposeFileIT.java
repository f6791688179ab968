package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.convert.MonthlyActivityConverter;
import dev.ghactivity.sink.convert.MonthlyActivityKeyConverter;
import dev.ghactivity.sink.s3.S3SinkConnector;
import dev.ghactivity.sink.sqlite.SqliteSinkConnector;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Docker is not available here, so this checks statically what can be checked: the services, that every
 * file and jar the compose file mounts exists after {@code mvn package}, that every main class it runs is
 * in the jar, and that every connector and worker setting is one that the code declares.
 */
class DockerComposeFileIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root = Path.of(System.getProperty("ghactivity.project.root", "..")).toAbsolutePath().normalize();

    private JsonNode compose() throws IOException {
        return YAML.readTree(root.resolve("docker-compose.yml").toFile());
    }

    @Test
    void declaresEveryPartOfThePipeline() throws IOException {
        Set<String> services = new HashSet<>();
        compose().get("services").fieldNames().forEachRemaining(services::add);
        assertThat(services).containsExactlyInAnyOrder(
                "kafka", "topic-init", "minio", "minio-init", "sqlite-init", "producer", "streams-app", "connect", "connect-init",
                "prometheus", "grafana");
        for (String monitoring : List.of("prometheus", "grafana")) {
            assertThat(compose().at("/services/" + monitoring + "/profiles").toString()).isEqualTo("[\"monitoring\"]");
            assertThat(DockerImages.pins(root).get(monitoring.toUpperCase(java.util.Locale.ROOT) + "_IMAGE")).as("pinned")
                    .matches(".+:v?\\d+\\.\\d+\\.\\d+");
        }
        assertThat(compose().at("/services/kafka/image").asText()).isEqualTo("${KAFKA_IMAGE}");
        assertThat(DockerImages.kafka(root)).startsWith("apache/kafka:");
        assertThat(compose().at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
    }

    @Test
    void everyMountedFileAndJarExists() throws IOException {
        List<String> sources = new ArrayList<>();
        for (Iterator<JsonNode> it = compose().get("services").elements(); it.hasNext(); ) {
            for (JsonNode volume : it.next().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                    sources.add(source);
                }
            }
        }
        assertThat(sources).contains("./local/target/ghactivity-local.jar", "./sink/target/ghactivity-sink-plugin.jar",
                "./docker/connect/sqlite-sink.json", "./docker/connect/s3-sink.json", "./docker/create-topics.sh");
        assertThat(sources).allSatisfy(source -> assertThat(root.resolve(source)).exists());
    }

    @Test
    void everyMainClassItRunsIsInTheLocalJar() throws IOException {
        String text = Files.readString(root.resolve("docker-compose.yml"));
        Matcher m = Pattern.compile("(dev\\.ghactivity\\.[a-z]+\\.[A-Za-z]+Cli)").matcher(text);
        Set<String> mains = new HashSet<>();
        while (m.find()) {
            mains.add(m.group(1));
        }
        assertThat(mains).containsExactlyInAnyOrder("dev.ghactivity.producer.ProducerCli", "dev.ghactivity.streams.StreamsAppCli");
        try (JarFile jar = new JarFile(root.resolve("local/target/ghactivity-local.jar").toFile())) {
            for (String main : mains) {
                assertThat(jar.getEntry(main.replace('.', '/') + ".class")).as(main).isNotNull();
            }
        }
    }

    @Test
    void theArgumentsOfEveryAppAreOptionsItsCommandLineAccepts() throws IOException {
        // streams-app: an exec-form entrypoint, the arguments follow the main class.
        List<String> streams = new ArrayList<>();
        compose().at("/services/streams-app/entrypoint").forEach(a -> streams.add(a.asText()));
        List<String> streamsArgs = streams.subList(streams.indexOf("dev.ghactivity.streams.StreamsAppCli") + 1, streams.size());
        assertThat(streamsArgs).contains("--bootstrap-servers");
        new picocli.CommandLine(new dev.ghactivity.streams.StreamsAppCli()).parseArgs(streamsArgs.toArray(String[]::new));

        // producer: a shell entrypoint that turns $REPOS into --repo options; one repository stands in for them.
        String shell = compose().at("/services/producer/entrypoint").get(2).asText();
        String fixed = shell.substring(shell.indexOf("ProducerCli") + "ProducerCli".length(), shell.indexOf("$$("))
                .replace("$$GITHUB_API_URL", "https://api.github.com").replace("$$MAX_CONCURRENT_REPOS", "4").trim();
        List<String> producerArgs = new ArrayList<>(List.of(fixed.split("\\s+")));
        producerArgs.addAll(List.of("--repo", "apache/kafka"));
        assertThat(producerArgs).contains("--bootstrap-servers", "--github-api-url", "--max-concurrent-repos");
        assertThat(compose().at("/services/producer/environment/MAX_CONCURRENT_REPOS").asText())
                .isEqualTo("${MAX_CONCURRENT_REPOS:-" + dev.ghactivity.producer.ProducerAppConfig.Defaults.MAX_CONCURRENT_REPOS + "}");
        new picocli.CommandLine(new dev.ghactivity.producer.ProducerCli()).parseArgs(producerArgs.toArray(String[]::new));
    }

    @Test
    void theSinkPluginJarCarriesBothConnectorsAndTheirServiceFile() throws IOException {
        try (JarFile jar = new JarFile(root.resolve("sink/target/ghactivity-sink-plugin.jar").toFile())) {
            assertThat(jar.getEntry("dev/ghactivity/sink/sqlite/SqliteSinkConnector.class")).isNotNull();
            assertThat(jar.getEntry("dev/ghactivity/sink/s3/S3SinkConnector.class")).isNotNull();
            assertThat(jar.getEntry("org/sqlite/JDBC.class")).isNotNull();
            String services = new String(jar.getInputStream(
                    jar.getEntry("META-INF/services/org.apache.kafka.connect.sink.SinkConnector")).readAllBytes());
            assertThat(services).contains(SqliteSinkConnector.class.getName(), S3SinkConnector.class.getName());
            String converters = new String(jar.getInputStream(
                    jar.getEntry("META-INF/services/org.apache.kafka.connect.storage.Converter")).readAllBytes());
            assertThat(converters).contains(MonthlyActivityConverter.class.getName(), MonthlyActivityKeyConverter.class.getName());
            assertThat(jar.getEntry("dev/ghactivity/sink/convert/MonthlyActivityConverter.class")).isNotNull();
            assertThat(jar.getEntry("dev/ghactivity/schemas/MonthlyActivityColumn.class")).isNotNull();
        }
    }

    @Test
    void everyConnectorSettingIsDeclaredAndValid() throws IOException {
        assertConnectorConfigValid("docker/connect/sqlite-sink.json", new SqliteSinkConnector());
        assertConnectorConfigValid("docker/connect/s3-sink.json", new S3SinkConnector());
    }

    private void assertConnectorConfigValid(String file, SinkConnector connector) throws IOException {
        Map<String, String> config = JSON.readValue(root.resolve(file).toFile(),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        assertThat(config.get("connector.class")).isEqualTo(connector.getClass().getName());
        Set<String> declared = new HashSet<>(connector.config().names());
        declared.addAll(SinkConnectorConfig.configDef().names());
        assertThat(config.keySet()).as(file).allSatisfy(key -> assertThat(declared).as(file + " key " + key).contains(key));
        assertThat(config.get("topics")).isEqualTo(Topics.MONTHLY_ACTIVITY);
        assertThat(config).containsEntry("key.converter", MonthlyActivityKeyConverter.class.getName())
                .containsEntry("value.converter", MonthlyActivityConverter.class.getName());
        for (ConfigValue value : connector.validate(new HashMap<>(config)).configValues()) {
            assertThat(value.errorMessages()).as(file + " " + value.name()).isEmpty();
        }
    }

    @Test
    void theWorkerPropertiesAreDistributedWorkerSettings() throws IOException {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(root.resolve("docker/connect/worker.properties").toFile())) {
            props.load(in);
        }
        Map<String, String> map = new HashMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
        DistributedConfig config = new DistributedConfig(map);
        assertThat(map.keySet()).allSatisfy(key -> assertThat(
                config.values().containsKey(key) || key.startsWith("consumer.") || key.startsWith("producer."))
                .as("worker setting " + key).isTrue());
        assertThat(map).containsEntry("consumer.isolation.level", "read_committed");
    }

    @Test
    void theTopicInitScriptCreatesEveryTopicCompacted() throws IOException {
        String script = Files.readString(root.resolve("docker/create-topics.sh"));
        Topics.definitions(1, (short) 1).forEach(t -> assertThat(script).contains(t.name()));
        assertThat(script).contains("cleanup.policy=compact");
    }

    @Test
    void kafkaKeepsItsLogOnItsVolume() throws IOException {
        // Unset, the image writes under /tmp: a re-created container would lose every topic.
        String logDirs = compose().at("/services/kafka/environment/KAFKA_LOG_DIRS").asText();
        assertThat(logDirs).isEqualTo("/var/lib/kafka/data");
        assertThat(volumesOf("kafka")).contains("kafka:" + logDirs);
    }

    @Test
    void theSqliteVolumeBelongsToTheUserConnectRunsAs() throws IOException {
        // The Kafka image runs as its non-root "appuser"; a new named volume is root-owned.
        assertThat(compose().at("/services/connect/user").isMissingNode()).as("connect runs as the image's own user").isTrue();
        assertThat(volumesOf("connect")).contains("sqlite:/data");
        JsonNode init = compose().at("/services/sqlite-init");
        assertThat(init.get("image").asText()).isEqualTo(compose().at("/services/connect/image").asText());
        assertThat(init.get("user").asText()).isEqualTo("root");
        assertThat(volumesOf("sqlite-init")).containsExactly("sqlite:/data");
        assertThat(init.get("entrypoint").toString()).contains("chown appuser /data");
        assertThat(compose().at("/services/connect/depends_on/sqlite-init/condition").asText())
                .isEqualTo("service_completed_successfully");
        Map<String, String> sqlite = JSON.readValue(root.resolve("docker/connect/sqlite-sink.json").toFile(),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        assertThat(sqlite.get("sqlite.path")).startsWith("/data/");
    }

    @Test
    void healthchecksUseOnlyToolsTheirImagesHave() throws IOException {
        // apache/kafka has bash and Kafka's scripts, no curl or wget; the MinIO server image ships mc.
        assertThat(compose().at("/services/kafka/healthcheck/test").toString()).contains("/opt/kafka/bin/kafka-broker-api-versions.sh");
        assertThat(compose().at("/services/minio/healthcheck/test/1").asText()).isEqualTo("mc");
        JsonNode connect = compose().at("/services/connect/healthcheck/test");
        assertThat(connect.get(1).asText()).isEqualTo("bash");
        assertThat(connect.toString()).contains("/dev/tcp/127.0.0.1/8083").doesNotContain("curl", "wget");
    }

    @Test
    void everyImageIsPinnedInDotEnvAndKafkaIsTheClientVersion() throws IOException {
        Map<String, String> pins = DockerImages.pins(root);
        for (Iterator<Map.Entry<String, JsonNode>> it = compose().get("services").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            String image = service.getValue().has("image") ? service.getValue().get("image").asText()
                    : compose().at("/x-app/image").asText();
            Matcher ref = Pattern.compile("\\$\\{([A-Z_]+)}").matcher(image);
            assertThat(ref.matches()).as(service.getKey() + " image " + image + " comes from .env").isTrue();
            assertThat(pins).as(service.getKey()).containsKey(ref.group(1));
        }
        assertThat(pins.values()).allSatisfy(image -> assertThat(image).matches(".+:[^:]+").doesNotEndWith(":latest"));
        String kafkaVersion = System.getProperty("ghactivity.kafka.version");
        assertThat(kafkaVersion).as("kafka.version of the build (failsafe system property)").matches("\\d+\\.\\d+\\.\\d+");
        assertThat(DockerImages.kafka(root)).isEqualTo("apache/kafka:" + kafkaVersion);
    }

    @Test
    void theHeaderSaysHowToBuildWithTheWrapperAndHowToReadSqliteOut() throws IOException {
        String text = Files.readString(root.resolve("docker-compose.yml"));
        assertThat(text).contains("./mvnw -B package -DskipTests").doesNotContain("#   mvn ");
        assertThat(text).contains("docker compose cp connect:/data ");
    }

    @Test
    void theProducerTakesTheGitHubApiUrlFromTheEnvironment() throws IOException {
        assertThat(compose().at("/services/producer/environment/GITHUB_API_URL").asText())
                .isEqualTo("${GITHUB_API_URL:-https://api.github.com}");
        assertThat(compose().at("/services/producer/extra_hosts/0").asText()).isEqualTo("host.docker.internal:host-gateway");
    }

    private List<String> volumesOf(String service) throws IOException {
        List<String> volumes = new ArrayList<>();
        compose().at("/services/" + service + "/volumes").forEach(v -> volumes.add(v.asText()));
        return volumes;
    }

    @Test
    void dockerComposeAcceptsTheFileWhereItIsInstalled() throws Exception {
        Path binary = Path.of("/usr/bin/docker-compose");
        Assumptions.assumeTrue(Files.isExecutable(binary), "docker-compose is not installed: skipping its own validation");
        Process p = new ProcessBuilder(binary.toString(), "-f", "docker-compose.yml", "config", "-q")
                .directory(root.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(output).isZero();
    }
}
