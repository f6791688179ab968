package dev.ghactivity.producer;

import dev.ghactivity.producer.webhook.WebhookOptions;
import dev.ghactivity.producer.webhook.WebhookReceiver;
import dev.ghactivity.producer.webhook.WebhookSettings;
import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.FatalErrorLine;
import dev.ghactivity.schemas.UsageErrorLine;
import dev.ghactivity.schemas.GhactivityVersion;
import dev.ghactivity.schemas.KafkaClientProperties;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ProducerCli --repo OWNER/NAME ... --bootstrap-servers HOST:PORT}: the producer as its own process. */
@Command(name = "ghactivity-producer", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GhactivityVersion.class, exitCodeOnInvalidInput = CliExitCodes.USAGE,
        description = "Polls GitHub commits and issues of the given repositories and publishes them to Kafka, exactly once per change.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every repository ingested (with --once)", "1:fatal error (bad credentials, a GitHub App refused, GitHub unreachable)",
            "2:some repositories failed or were read incompletely (with --once)", "64:usage error (unknown option, a value refused by its check, invalid repository name)"})
public final class ProducerCli implements Callable<Integer> {
    @Mixin
    GitHubSourceOptions github;

    @Mixin
    WebhookOptions webhook;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*...) for every client of the producer")
    Path kafkaConfig;

    @Option(names = {"-X", "--kafka-property"}, paramLabel = "KEY=VALUE",
            description = "a Kafka client property, over those of --kafka-config (repeatable)")
    Map<String, String> kafkaProperties;

    @Option(names = "--transactional-id", defaultValue = ProducerAppConfig.Defaults.TRANSACTIONAL_ID, description = "Kafka transactional.id (default: ${DEFAULT-VALUE})")
    String transactionalId;

    @Option(names = "--once", description = "poll every repository once, then exit")
    boolean once;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "serve GET /metrics (Prometheus text format) and GET /repos (each repository's state, JSON) on this port; "
                    + "0 picks a free one (logged); none by default")
    Integer metricsPort;

    @Option(names = "--metrics-host", defaultValue = "0.0.0.0", description = "address of --metrics-port (default: ${DEFAULT-VALUE})")
    String metricsHost;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line {@link #main} runs: a fatal error is one line on stderr ({@link FatalErrorLine}). */
    static CommandLine commandLine() {
        return new CommandLine(new ProducerCli()).setExecutionExceptionHandler(new FatalErrorLine("ghactivity-producer"))
                .setParameterExceptionHandler(new UsageErrorLine("ghactivity-producer"));
    }

    /** The configuration the options describe; names are validated here, before any URL is built. */
    ProducerAppConfig config() {
        return ProducerAppConfig.builder()
                .bootstrapServers(bootstrapServers)
                .githubApiUrl(github.githubApiUrl())
                .token(github.token())
                .githubApp(github.githubApp())
                .selection(github.selection())
                .discoveryInterval(github.discoveryInterval())
                .rateLimitReserve(github.rateLimitReserve())
                .maxConcurrentRepos(github.maxConcurrentRepos())
                .pollInterval(github.pollInterval())
                .overlap(github.overlap())
                .fullRereadInterval(github.fullRereadInterval())
                .transactionalId(transactionalId)
                .kafkaProperties(KafkaClientProperties.load(kafkaConfig, kafkaProperties))
                .build();
    }

    /**
     * Starts the webhook receiver and waits until its transactional.id is initialised, before anything is polled: that
     * aborts a transaction a killed predecessor left open under {@code <id>-webhooks}.
     *
     * @throws IllegalStateException one line (port taken, transactional.id not initialised); nothing is left running
     */
    private static WebhookReceiver startReceiver(ProducerAppConfig config, WebhookSettings settings, GitHubActivityProducer producer,
                                                 PrometheusMeterRegistry registry) {
        WebhookReceiver receiver = WebhookReceiver.start(config, settings, producer).bindMetrics(registry);
        try {
            return receiver.awaitKafkaReady();
        } catch (IllegalStateException e) {
            receiver.close();
            throw e;
        }
    }

    @Override
    public Integer call() {
        ProducerAppConfig config;
        // Every option value is checked before anything starts: a bad one is a usage error, like a malformed command line.
        try {
            github.validate();
            config = config();
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("ghactivity-producer: " + e.getMessage());
            return CliExitCodes.USAGE;
        }
        WebhookSettings webhookSettings;
        try {
            webhookSettings = webhook.settings();
        } catch (IllegalArgumentException e) {
            System.err.println("ghactivity-producer: " + e.getMessage());
            return CliExitCodes.USAGE; // a receiver without a secret refuses to start
        }
        PrometheusMeterRegistry registry = ProducerMetrics.prometheusRegistry();
        MetricsEndpoint endpoint;
        try {
            endpoint = metricsPort == null ? null : MetricsEndpoint.start(metricsHost, metricsPort, registry);
        } catch (IllegalStateException e) {
            System.err.println("ghactivity-producer: " + e.getMessage() + " (choose another --metrics-port)");
            return CliExitCodes.FATAL; // e.g. the port is taken
        }
        if (endpoint != null) {
            LoggerFactory.getLogger(ProducerCli.class).info("metrics on http://{}:{}/metrics", metricsHost, endpoint.port());
        }
        GitHubActivityProducer producer;
        RepositoryStatePublisher states;
        try {
            producer = new GitHubActivityProducer(config, new ProducerMetrics(registry));
        } catch (KafkaException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            // Kafka's own text ("Timeout expired while fetching topic metadata") names neither the option nor the fix.
            System.err.println("ghactivity-producer: Kafka at " + config.bootstrapServers() + " could not be used ("
                    + FatalErrorLine.describe(e) + "): check --bootstrap-servers, --kafka-config and that the brokers run");
            return CliExitCodes.FATAL;
        }
        states = RepositoryStatePublisher.start(config, producer.progress());
        if (endpoint != null) {
            endpoint.serveRepositories(states::repositoriesJson);
        }
        WebhookReceiver receiver;
        try {
            if (webhookSettings == null) {
                WebhookReceiver.completeLeftoverTransaction(config); // a run before may have had a receiver, and been killed
                receiver = null;
            } else {
                receiver = startReceiver(config, webhookSettings, producer, registry);
            }
        } catch (IllegalStateException e) {
            states.close();
            producer.close();
            if (endpoint != null) {
                endpoint.close();
            }
            System.err.println("ghactivity-producer: " + e.getMessage());
            return CliExitCodes.FATAL; // e.g. the port is taken, Kafka unreachable
        }
        Thread hook = new Thread(() -> {
            states.close(); // the last states, before the producer stops
            producer.close();
        }, "producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (once) {
                IngestReport report = producer.pollOnce();
                // The run's one summary line, whatever it reached; the error line (if any) follows on stderr.
                LoggerFactory.getLogger(ProducerCli.class).info("done: {}", report);
                if (report.noneReached()) {
                    System.err.println("ghactivity-producer: " + report.repositories().get(0).message());
                    return CliExitCodes.FATAL;
                }
                if (!report.allIngested()) {
                    System.err.println("ghactivity-producer: some repositories were not ingested completely: " + report.failureSummary());
                    return CliExitCodes.PARTIAL;
                }
                return CliExitCodes.OK;
            }
            producer.runUntilClosed();
            return CliExitCodes.OK;
        } catch (GitHubAuthenticationException e) {
            System.err.println("ghactivity-producer: " + e.getMessage());
            return CliExitCodes.FATAL;
        } finally {
            if (receiver != null) {
                receiver.close();
            }
            states.close();
            producer.close();
            if (endpoint != null) {
                endpoint.close();
            }
        }
    }
}
