package dev.ghactivity.local;

import dev.ghactivity.local.LocalStackConfig.Defaults;
import dev.ghactivity.embedded.PortTakenException;
import dev.ghactivity.producer.DurationConverter;
import dev.ghactivity.producer.GitHubAuthenticationException;
import dev.ghactivity.producer.GitHubSourceOptions;
import dev.ghactivity.producer.GitHubApp;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.webhook.WebhookOptions;
import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.FatalErrorLine;
import dev.ghactivity.schemas.UsageErrorLine;
import dev.ghactivity.schemas.GhactivityVersion;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code java -jar ghactivity-local.jar --repo OWNER/NAME ...}: the whole pipeline in one JVM. */
@Command(name = "ghactivity-local", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GhactivityVersion.class, exitCodeOnInvalidInput = CliExitCodes.USAGE,
        description = "Runs the whole ghactivity pipeline in one JVM: a Kafka broker (KRaft), the GitHub producer, "
                + "the streams-app with its query API, a Kafka Connect worker with the SQLite and S3 sinks, and "
                + "an S3-compatible server. The GitHub token is read from GITHUB_TOKEN (optional, but without it "
                + "GitHub allows 60 requests an hour).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every repository was read completely and written to SQLite and S3 (with --once)",
            "1:fatal error (bad credentials, GitHub unreachable, a port taken, the data dir in use or not writable, a sink failed, a part stuck): nothing more could be done",
            "2:some repositories failed or were read incompletely (e.g. not found); the others were written (with --once)",
            "64:usage error (unknown option, a value refused by its check, invalid repository name): nothing was started"})
public final class LocalStackCli implements Callable<Integer> {
    public static final int EXIT_OK = CliExitCodes.OK;
    public static final int EXIT_FATAL = CliExitCodes.FATAL;
    public static final int EXIT_PARTIAL = CliExitCodes.PARTIAL;
    public static final int EXIT_USAGE = CliExitCodes.USAGE;
    static final int DEFAULT_HTTP_PORT = Integer.parseInt(Defaults.HTTP_PORT);

    @Mixin
    GitHubSourceOptions github;

    @Mixin
    WebhookOptions webhook;

    @Option(names = "--data-dir", defaultValue = Defaults.DATA_DIR, paramLabel = "DIR", description = "Kafka log, streams state, SQLite and S3 files (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--once", description = "ingest every repository once, wait until SQLite and S3 hold every event, then exit")
    boolean once;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "port of the query API, 0 for any free one (default: 8080; with --once any free port, as nothing in such a run uses the API)")
    Integer httpPort;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "external S3 endpoint (e.g. MinIO); default: an embedded server under DIR/s3")
    URI s3Endpoint;

    @Option(names = "--s3-bucket", defaultValue = Defaults.S3_BUCKET, description = "S3 bucket (default: ${DEFAULT-VALUE})")
    String s3Bucket;

    @Option(names = "--s3-region", defaultValue = Defaults.S3_REGION, description = "S3 region (default: ${DEFAULT-VALUE})")
    String s3Region;

    @Option(names = "--partitions", defaultValue = Defaults.PARTITIONS, description = "partitions of each topic (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--zone", defaultValue = Defaults.ZONE, description = "time zone of calendar months (default: ${DEFAULT-VALUE})")
    ZoneId zone;

    @Option(names = "--once-timeout", defaultValue = Defaults.ONCE_TIMEOUT, converter = DurationConverter.class, paramLabel = "DURATION",
            description = "with --once: how long the streams-app may take to reach RUNNING, and then the streams-app and both sinks "
                    + "to process everything the producer wrote; every 15 s it is logged what is waited for; when it runs out the "
                    + "run exits 1 naming the stuck part (default: 15m)")
    Duration onceTimeout;

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        Thread.setDefaultUncaughtExceptionHandler(new UncaughtExceptionLog());
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return new CommandLine(new LocalStackCli()).setExecutionExceptionHandler(new FatalErrorLine("ghactivity"))
                .setParameterExceptionHandler(new UsageErrorLine("ghactivity")).execute(args);
    }

    /** The configuration the options describe; names are validated here, before anything starts. */
    LocalStackConfig config() {
        return LocalStackConfig.builder()
                .selection(github.selection())
                .discoveryInterval(github.discoveryInterval())
                .rateLimitReserve(github.rateLimitReserve())
                .maxConcurrentRepos(github.maxConcurrentRepos())
                .githubApiUrl(github.githubApiUrl())
                .dataDir(dataDir)
                .pollInterval(github.pollInterval())
                .overlap(github.overlap())
                .fullRereadInterval(github.fullRereadInterval())
                .httpPort(httpPort != null ? httpPort : once ? 0 : DEFAULT_HTTP_PORT)
                .s3Endpoint(s3Endpoint)
                .s3Bucket(s3Bucket)
                .s3Region(s3Region)
                .s3Credentials(System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY"))
                .partitions(partitions)
                .zone(zone)
                .onceTimeout(onceTimeout)
                .s3FlushInterval(once ? Duration.ofSeconds(1) : Duration.ofSeconds(10))
                .webhook(webhook.settings())
                .build();
    }

    @Override
    public Integer call() {
        Logger log = LoggerFactory.getLogger(LocalStackCli.class);
        LocalStackConfig config;
        GitHubToken token;
        GitHubApp githubApp;
        // Every option value is checked before anything starts (a usage error): no request is made, no directory created.
        try {
            github.validate();
            config = config();
            token = github.token();
            githubApp = github.githubApp();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("ghactivity: " + e.getMessage());
            return EXIT_USAGE;
        }

        if (config.kafkaBootstrapServers() == null) {
            KafkaHaltLine.install("ghactivity", config.dataDir());
        }
        LocalStack stack = new LocalStack(config, token, githubApp);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "ghactivity-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (once) {
                stack.start(config.onceTimeout());
            } else {
                stack.start();
            }
            if (!once) {
                log.info("polling {} every {}; Ctrl-C to stop", config.selection(), config.pollInterval());
                stack.runUntilClosed();
                return EXIT_OK;
            }
            IngestReport report = stack.ingestOnce();
            if (report.noneReached()) {
                // The run's summary line all the same (what was tried, requests sent), then the one error line.
                log.info("done: {}", report);
                System.err.println("ghactivity: " + report.repositories().get(0).message());
                return EXIT_FATAL;
            }
            stack.awaitSinksCaughtUp(config.onceTimeout());
            log.info("done: {}; SQLite {}, S3 bucket {} at {}", report, config.sqlitePath(), config.s3Bucket(), stack.s3Endpoint());
            if (!report.allIngested()) {
                System.err.println("ghactivity: some repositories were not ingested completely: " + report.failureSummary());
                return EXIT_PARTIAL;
            }
            return EXIT_OK;
        } catch (GitHubAuthenticationException e) {
            System.err.println("ghactivity: " + e.getMessage());
            return EXIT_FATAL;
        } catch (TimeoutException e) {
            System.err.println("ghactivity: " + e.getMessage());
            return EXIT_FATAL;
        } catch (PortTakenException | StackFailedException e) {
            LoggerFactory.getLogger(FatalErrorLine.class).debug("fatal error", e);
            System.err.println("ghactivity: " + e.getMessage());
            return EXIT_FATAL;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FATAL;
        } catch (RuntimeException e) {
            if (e.getCause() instanceof StuckPartException stuck) {
                // The status line says it all; the trace of the waiting thread adds nothing.
                System.err.println("ghactivity: " + stuck.getMessage());
                return EXIT_FATAL;
            }
            return FatalErrorLine.print("ghactivity", e);
        } finally {
            stack.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it closes the stack
            }
        }
    }
}
