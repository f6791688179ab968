package dev.ghactivity.producer;

import dev.ghactivity.schemas.RepositoryName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ProducerCli --repo OWNER/NAME ... --bootstrap-servers HOST:PORT}: the producer as its own process. */
@Command(name = "ghactivity-producer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Polls GitHub commits and issues of the given repositories and publishes them to Kafka, exactly once per change.",
        exitCodeListHeading = "%nExit codes (with --once):%n",
        exitCodeList = {"0:every repository ingested", "1:fatal error (e.g. bad credentials)", "2:some repositories failed"})
public final class ProducerCli implements Callable<Integer> {
    @Option(names = "--repo", required = true, paramLabel = "OWNER/NAME", description = "repository to ingest (repeatable)")
    List<String> repos;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers")
    String bootstrapServers;

    @Option(names = "--github-api-url", defaultValue = "https://api.github.com", description = "GitHub REST API base URL (default: ${DEFAULT-VALUE})")
    String githubApiUrl;

    @Option(names = "--github-token-file", paramLabel = "FILE", description = "read the token from this file instead of GITHUB_TOKEN")
    Path tokenFile;

    @Option(names = "--poll-interval", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "time between polls: 60s, 5m, PT1M (default: ${DEFAULT-VALUE})")
    Duration pollInterval;

    @Option(names = "--overlap", defaultValue = "10m", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "window re-read before the cursor on each poll, for items that appear late (default: ${DEFAULT-VALUE})")
    Duration overlap;

    @Option(names = "--full-reread-interval", defaultValue = "1d", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "read each listing in full this often: commits of merged old branches, issues skipped while pages "
                    + "shifted, deleted or transferred issues; 0 = never (default: ${DEFAULT-VALUE})")
    Duration fullRereadInterval;

    @Option(names = "--transactional-id", defaultValue = "ghactivity-producer", description = "Kafka transactional.id (default: ${DEFAULT-VALUE})")
    String transactionalId;

    @Option(names = "--once", description = "poll every repository once, then exit")
    boolean once;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProducerCli()).execute(args));
    }

    /** The configuration the options describe; names are validated here, before any URL is built. */
    ProducerConfig config() {
        return ProducerConfig.builder()
                .bootstrapServers(bootstrapServers)
                .githubApiUrl(githubApiUrl)
                .token(tokenFile != null ? GitHubToken.fromFile(tokenFile) : GitHubToken.fromEnvironment())
                .repositories(repos.stream().map(RepositoryName::parse).distinct().toList())
                .pollInterval(pollInterval)
                .overlap(overlap)
                .fullRereadInterval(fullRereadInterval)
                .transactionalId(transactionalId)
                .build();
    }

    @Override
    public Integer call() {
        ProducerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("ghactivity-producer: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        GitHubActivityProducer producer = new GitHubActivityProducer(config);
        Thread hook = new Thread(producer::close, "producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (once) {
                IngestReport report = producer.pollOnce();
                return report.allIngested() ? 0 : 2;
            }
            producer.runUntilClosed();
            return 0;
        } catch (GitHubAuthenticationException e) {
            System.err.println("ghactivity-producer: " + e.getMessage());
            return 1;
        } finally {
            producer.close();
        }
    }
}
