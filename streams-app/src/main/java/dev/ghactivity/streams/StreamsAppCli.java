package dev.ghactivity.streams;

import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.FatalErrorLine;
import dev.ghactivity.schemas.UsageErrorLine;
import dev.ghactivity.schemas.GhactivityVersion;
import dev.ghactivity.schemas.KafkaClientProperties;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code StreamsAppCli --bootstrap-servers ...}: the streams-app as its own process; stops cleanly on SIGTERM. */
@Command(name = "ghactivity-streams", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = GhactivityVersion.class, exitCodeOnInvalidInput = CliExitCodes.USAGE,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM)", "64:usage error (unknown option, bad value)"},
        description = "Counts GitHub activity per repository and calendar month (exactly once) and serves the counts over HTTP.")
public final class StreamsAppCli implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers")
    String bootstrapServers;

    @Option(names = "--application-id", defaultValue = "ghactivity-streams", description = "Kafka Streams application.id (default: ${DEFAULT-VALUE})")
    String applicationId;

    @Option(names = "--state-dir", defaultValue = "./data/streams", description = "local state directory (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--http-host", defaultValue = "0.0.0.0", description = "interface of the query API (default: ${DEFAULT-VALUE})")
    String httpHost;

    @Option(names = "--advertised-host", description = "host name other instances use to reach this one (default: the --http-host, or localhost)")
    String advertisedHost;

    @Option(names = "--http-port", defaultValue = "8080", description = "port of the query API (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--zone", defaultValue = "UTC", description = "time zone of calendar months (default: ${DEFAULT-VALUE})")
    ZoneId zone;

    @Option(names = "--commit-date-field", defaultValue = "AUTHOR", description = "AUTHOR or COMMITTER date decides a commit's month (default: ${DEFAULT-VALUE})")
    StreamsAppConfig.CommitDateField commitDateField;

    @Option(names = "--num-standby-replicas", defaultValue = "0", description = "standby replicas of each state store (default: ${DEFAULT-VALUE})")
    int standbys;

    @Option(names = "--commit-interval-ms", defaultValue = "100", description = "commit (and output) interval while records stream in; a change after a pause commits at once (default: ${DEFAULT-VALUE})")
    long commitIntervalMs;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*...) for every client of the streams-app")
    Path kafkaConfig;

    @Option(names = {"-X", "--kafka-property"}, paramLabel = "KEY=VALUE",
            description = "a Kafka Streams or client property, over those of --kafka-config and the defaults (repeatable)")
    Map<String, String> kafkaProperties;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line {@link #main} runs: a fatal error is one line on stderr ({@link FatalErrorLine}). */
    static CommandLine commandLine() {
        return new CommandLine(new StreamsAppCli()).setExecutionExceptionHandler(new FatalErrorLine("ghactivity-streams"))
                .setParameterExceptionHandler(new UsageErrorLine("ghactivity-streams"));
    }

    /** The configuration the options describe. */
    StreamsAppConfig config() {
        StreamsAppConfig.Builder config = StreamsAppConfig.builder()
                .bootstrapServers(bootstrapServers)
                .applicationId(applicationId)
                .stateDir(stateDir)
                .httpHost(httpHost)
                .httpPort(httpPort)
                .zone(zone)
                .commitDateField(commitDateField)
                .numStandbyReplicas(standbys)
                .commitIntervalMs(commitIntervalMs);
        if (advertisedHost != null) {
            config.property("application.server", advertisedHost + ":" + httpPort);
        }
        KafkaClientProperties.load(kafkaConfig, kafkaProperties).forEach(config::property);
        return config.build();
    }

    @Override
    public Integer call() throws InterruptedException {
        StreamsAppConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            System.err.println("ghactivity-streams: " + e.getMessage());
            return CliExitCodes.USAGE;
        }
        MonthlyActivityApp app = new MonthlyActivityApp(config);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "streams-app-shutdown"));
        try {
            app.start();
        } catch (RuntimeException e) {
            return FatalErrorLine.print("ghactivity-streams", e);
        }
        Optional<String> failure = app.awaitStopped();
        if (failure.isPresent()) {
            System.err.println("ghactivity-streams: " + failure.get());
            return CliExitCodes.FATAL;
        }
        return CliExitCodes.OK;
    }
}
