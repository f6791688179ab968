package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.GhactivityVersion;
import dev.ghactivity.schemas.RepositoryName;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProducerCliTest {
    private static final String TOKEN = "ghp_fromAFile0123456789abcdefghijklmnopq";

    private static ProducerCli parse(String... args) {
        ProducerCli cli = new ProducerCli();
        new CommandLine(cli).parseArgs(args);
        return cli;
    }

    @Test
    void theDefaultsAreTheIssues() {
        ProducerAppConfig config = parse("--repo", "Apache/Kafka", "--repo", "apache/kafka", "--repo", "a/b", "--bootstrap-servers", "k:9092").config();
        assertThat(config.repositories()).containsExactly(RepositoryName.parse("apache/kafka"), RepositoryName.parse("a/b"));
        assertThat(config.githubApiUrl()).hasToString("https://api.github.com/");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.overlap()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.bootstrapServers()).isEqualTo("k:9092");
    }

    @Test
    void durationsAndTheTokenFileAreRead(@TempDir Path dir) throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        ProducerAppConfig config = parse("--repo", "a/b", "--bootstrap-servers", "k:9092", "--poll-interval", "5m", "--overlap", "90",
                "--github-api-url", "http://127.0.0.1:8080/api/v3/", "--github-token-file", tokenFile.toString()).config();
        assertThat(config.pollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.overlap()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.githubApiUrl().encodedPath()).isEqualTo("/api/v3");
        assertThat(config.token().isPresent()).isTrue();
        assertThat(config.token().authorizationHeader()).isEqualTo("Bearer " + TOKEN);
        assertThat(config.toString()).doesNotContain(TOKEN).contains("GitHubToken[***]");
    }

    @Test
    void kafkaClientPropertiesComeFromTheFileWithSingleOverridesOnTop(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), String.join("\n",
                "security.protocol=SASL_SSL", "sasl.mechanism=PLAIN",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"pw-0123\";",
                "linger.ms = 50", ""));
        ProducerAppConfig config = parse("--repo", "a/b", "--bootstrap-servers", "k:9092", "--kafka-config", file.toString(),
                "-X", "linger.ms=5", "--kafka-property", "client.rack=eu-1").config();
        assertThat(config.kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"), Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"pw-0123\";"),
                Map.entry("linger.ms", "5"), Map.entry("client.rack", "eu-1"));
        assertThat(config.toString()).doesNotContain("pw-0123");

        StringWriter err = new StringWriter();
        assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "k:9092", "--kafka-config", dir.resolve("missing.properties").toString()))
                .isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("cannot read the Kafka client properties file", "missing.properties");
    }

    @Test
    void aBadRepositoryNameOrApiUrlIsAUsageErrorBeforeAnythingConnects() {
        StringWriter err = new StringWriter();
        int code = run(err, "--repo", "not-a-repository", "--bootstrap-servers", "127.0.0.1:1");
        assertThat(code).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("not-a-repository", "OWNER/NAME");

        err = new StringWriter();
        code = run(err, "--repo", "a/b", "--bootstrap-servers", "127.0.0.1:1", "--github-api-url", "https://me:s3cret@ghe.example/api/v3");
        assertThat(code).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("GITHUB_TOKEN").doesNotContain("s3cret");

        err = new StringWriter();
        assertThat(run(err, "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("--repo").contains("--org");
        err = new StringWriter();
        assertThat(run(err, "--repo", "*/kafka", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("the owner must be named");
        err = new StringWriter();
        assertThat(run(err, "--org", "acme", "--exclude", "acme/[", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("invalid glob 'acme/['");
        assertThat(run(new StringWriter(), "--repo", "a/b", "--bootstrap-servers", "x", "--poll-interval", "soon"))
                .isEqualTo(CliExitCodes.USAGE);
    }

    /** Issue 17: repositories fetched at once, 4 unless told; below 1 nothing could ever be fetched, a usage error. */
    @Test
    void maxConcurrentReposDefaultsToFourAndBelowOneIsAUsageErrorOfOneLine() {
        assertThat(parse("--repo", "a/b", "--bootstrap-servers", "k:9092").config().maxConcurrentRepos()).isEqualTo(4);
        assertThat(parse("--repo", "a/b", "--bootstrap-servers", "k:9092", "--max-concurrent-repos", "12").config().maxConcurrentRepos())
                .isEqualTo(12);
        for (String bad : List.of("0", "-3")) {
            StringWriter err = new StringWriter();
            assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "127.0.0.1:1", "--max-concurrent-repos", bad)).isEqualTo(CliExitCodes.USAGE);
            assertThat(err.toString().lines().toList()).containsExactly(
                    "ghactivity-producer: --max-concurrent-repos must be at least 1 (repositories fetched at once), not " + bad);
        }
    }

    @Test
    void versionPrintsTheBuildsVersionAndAnUnknownOptionIsAUsageError() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new ProducerCli()).setOut(new PrintWriter(out, true)).execute("--version");
        assertThat(code).isEqualTo(CliExitCodes.OK);
        assertThat(out.toString().strip()).isEqualTo("ghactivity-producer " + GhactivityVersion.get());
        assertThat(GhactivityVersion.get()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

        StringWriter err = new StringWriter();
        assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "x", "--no-such-option")).isEqualTo(64);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ghactivity-producer: Unknown option: '--no-such-option'; --help lists the options");
        err = new StringWriter();
        assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "x", "--max-concurrent-repos", "x")).isEqualTo(64);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ghactivity-producer: Invalid value for option '--max-concurrent-repos': 'x' is not an int; --help lists the options");
        assertThat(CliExitCodes.USAGE).as("a usage error is never taken for 'some repositories failed'").isNotEqualTo(CliExitCodes.PARTIAL);
    }

    /** A failure no catch of the CLI expects (here: the Kafka client refuses its settings) is one line, not a stack trace. */
    @Test
    void anUnexpectedFatalErrorIsOneLineOnStderrAndExitCodeOne() {
        StringWriter err = new StringWriter();
        java.io.PrintStream originalOut = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = run(err, "--repo", "a/b", "--bootstrap-servers", "no-such-host.invalid:9092", "--github-api-url", "http://127.0.0.1:1",
                    "--once");
        } finally {
            System.setOut(originalOut);
        }
        assertThat(code).isEqualTo(CliExitCodes.FATAL);
        assertThat(err.toString().strip().lines().toList()).singleElement().asString()
                .isEqualTo("ghactivity-producer: Kafka at no-such-host.invalid:9092 could not be used (Failed to construct kafka consumer: "
                        + "No resolvable bootstrap urls given in bootstrap.servers): check --bootstrap-servers, --kafka-config and that the brokers run");
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("\tat ");
    }

    /** Runs the CLI with picocli's and our own error output captured. */
    private static int run(StringWriter err, String... args) {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(ours, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            int code = ProducerCli.commandLine().setErr(new PrintWriter(err, true)).execute(args);
            err.write(ours.toString(java.nio.charset.StandardCharsets.UTF_8));
            return code;
        } finally {
            System.setErr(original);
        }
    }
}
