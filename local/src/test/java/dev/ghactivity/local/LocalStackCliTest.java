package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.producer.ProducerCli;
import dev.ghactivity.schemas.RepositoryName;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class LocalStackCliTest {
    private static LocalStackCli parse(String... args) {
        LocalStackCli cli = new LocalStackCli();
        new CommandLine(cli).parseArgs(args);
        return cli;
    }

    @Test
    void theDefaultsAreTheReadmes() {
        LocalStackConfig config = parse("--repo", "Apache/Kafka", "--repo", "apache/kafka", "--repo", "a/b").config();
        assertThat(config.repositories()).containsExactly(RepositoryName.parse("apache/kafka"), RepositoryName.parse("a/b"));
        assertThat(config.githubApiUrl()).isEqualTo("https://api.github.com");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.overlap()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.fullRereadInterval()).isEqualTo(Duration.ofDays(1));
        assertThat(config.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(config.httpPort()).isEqualTo(8080);
        assertThat(config.partitions()).isEqualTo(3);
        assertThat(config.zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(config.onceTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.s3Endpoint()).isNull();
        assertThat(config.s3Bucket()).isEqualTo("ghactivity");
    }

    @Test
    void withOnceTheQueryApiTakesAnyFreePortUnlessOneIsGiven() {
        assertThat(parse("--repo", "a/b", "--once").config().httpPort()).isZero();
        assertThat(parse("--repo", "a/b", "--once", "--http-port", "9090").config().httpPort()).isEqualTo(9090);
        assertThat(parse("--repo", "a/b", "--http-port", "9090").config().httpPort()).isEqualTo(9090);
    }

    @Test
    void everyGitHubOptionReachesTheConfig() {
        LocalStackConfig config = parse("--repo", "a/b", "--github-api-url", "http://127.0.0.1:9/api/v3", "--poll-interval", "5m",
                "--overlap", "90", "--full-reread-interval", "0", "--data-dir", "/tmp/gh", "--partitions", "6",
                "--zone", "Europe/Paris").config();
        assertThat(config.githubApiUrl()).isEqualTo("http://127.0.0.1:9/api/v3");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.overlap()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.fullRereadInterval()).isEqualTo(Duration.ZERO);
        assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/gh"));
        assertThat(config.partitions()).isEqualTo(6);
        assertThat(config.zone()).isEqualTo(ZoneId.of("Europe/Paris"));
    }

    @Test
    void theProducerAndTheLocalStackShareTheirGitHubOptions() {
        List<String> producer = gitHubOptions(new CommandLine(new ProducerCli()));
        List<String> local = gitHubOptions(new CommandLine(new LocalStackCli()));
        assertThat(local).isEqualTo(producer).contains("--repo", "--github-api-url", "--github-token-file", "--poll-interval",
                "--overlap", "--full-reread-interval", "--github-app-id", "--github-app-private-key", "--github-app-installation-id");
    }

    @Test
    void badGitHubOptionsAreOneLineOnStderrAndExitOneBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir Path dir) {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        int badUrl;
        int missingToken;
        int missingAppKey;
        int noConcurrency;
        try {
            badUrl = LocalStackCli.run("--repo", "a/b", "--github-api-url", "not-a-url", "--data-dir", dir.resolve("d").toString(), "--once");
            missingToken = LocalStackCli.run("--repo", "a/b", "--github-token-file", "/missing", "--data-dir", dir.resolve("d").toString(), "--once");
            missingAppKey = LocalStackCli.run("--repo", "a/b", "--github-app-id", "1234", "--github-app-private-key", "/missing.pem",
                    "--data-dir", dir.resolve("d").toString(), "--once");
            noConcurrency = LocalStackCli.run("--repo", "a/b", "--max-concurrent-repos", "0", "--data-dir", dir.resolve("d").toString(), "--once");
        } finally {
            System.setErr(err);
        }
        assertThat(badUrl).isEqualTo(LocalStackCli.EXIT_USAGE);
        assertThat(missingToken).isEqualTo(LocalStackCli.EXIT_USAGE);
        assertThat(missingAppKey).isEqualTo(LocalStackCli.EXIT_USAGE);
        assertThat(noConcurrency).isEqualTo(LocalStackCli.EXIT_USAGE);
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "ghactivity: invalid GitHub API URL 'not-a-url' (--github-api-url): expected http(s)://host[:port][/path], e.g. https://api.github.com or https://github.example.com/api/v3",
                "ghactivity: cannot read the GitHub token file /missing (no such file): give a readable file holding the token(s), one a line, or set GITHUB_TOKEN instead",
                "ghactivity: the GitHub App private key file /missing.pem does not exist (--github-app-private-key)",
                "ghactivity: --max-concurrent-repos must be at least 1 (repositories fetched at once), not 0");
        assertThat(dir.resolve("d")).as("nothing started").doesNotExist();
    }

    /** Found by the new-user trial: these were refused only after the broker, Connect and Streams had started (exit 1). */
    @Test
    void badDurationsAndCountsAreUsageErrorsBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir Path dir) {
        String data = dir.resolve("d").toString();
        List<List<String>> bad = List.of(
                List.of("--poll-interval", "0"), List.of("--poll-interval", "-5s"), List.of("--overlap", "-1m"),
                List.of("--discovery-interval", "-1h"), List.of("--full-reread-interval", "-1d"), List.of("--rate-limit-reserve", "-1"),
                List.of("--once-timeout", "0"), List.of("--once-timeout", "-5s"));
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        List<Integer> codes = new java.util.ArrayList<>();
        try {
            for (List<String> option : bad) {
                List<String> args = new java.util.ArrayList<>(List.of("--repo", "a/b", "--data-dir", data, "--once"));
                args.addAll(option);
                codes.add(LocalStackCli.run(args.toArray(String[]::new)));
            }
        } finally {
            System.setErr(err);
        }
        assertThat(codes).containsOnly(LocalStackCli.EXIT_USAGE).hasSize(bad.size());
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "ghactivity: the poll interval must be positive, not PT0S",
                "ghactivity: the poll interval must be positive, not PT-5S",
                "ghactivity: the overlap window must be zero or more, not PT-1M",
                "ghactivity: the discovery interval must be positive, not PT-1H",
                "ghactivity: the full re-read interval must be zero (never) or more, not PT-24H",
                "ghactivity: the rate limit reserve must be zero or more requests, not -1",
                "ghactivity: --once-timeout must be positive, not PT0S",
                "ghactivity: --once-timeout must be positive, not PT-5S");
        assertThat(dir.resolve("d")).as("nothing started").doesNotExist();
    }

    /** Name, default and help of every option that is about GitHub. */
    private static List<String> gitHubOptions(CommandLine cli) {
        List<String> names = cli.getCommandSpec().options().stream()
                .filter(o -> o.longestName().matches("--(repo|github-.*|poll-interval|overlap|full-reread-interval)"))
                .map(OptionSpec::longestName).sorted().collect(Collectors.toList());
        List<String> described = cli.getCommandSpec().options().stream()
                .filter(o -> names.contains(o.longestName()))
                .map(o -> o.longestName() + "=" + o.defaultValue() + ":" + String.join(" ", o.description()))
                .sorted().toList();
        names.addAll(described);
        return names;
    }
}
