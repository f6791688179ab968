package dev.ghactivity.streams;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import dev.ghactivity.schemas.Topics;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running streams-app: {@link MonthlyActivityTopology} in a {@link KafkaStreams} plus the HTTP query API. */
public final class MonthlyActivityApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonthlyActivityApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final StreamsAppConfig config;
    private final Function<StreamsAppConfig, Topology> topology;
    private final CountDownLatch running = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final SkippedRecords skipped = new SkippedRecords();
    private volatile String failure;
    private boolean closed;
    private KafkaStreams streams;
    private MonthlyActivityQueryServer queryServer;
    private PrometheusMeterRegistry registry;
    private Supplier<Optional<String>> healthCheck = Optional::empty;
    private StreamsMetrics metrics;
    private RepositoryStateView states;

    public MonthlyActivityApp(StreamsAppConfig config) {
        this(config, MonthlyActivityTopology::build);
    }

    /** With another topology: tests of the failure handling inject a processor that fails. */
    MonthlyActivityApp(StreamsAppConfig config, Function<StreamsAppConfig, Topology> topology) {
        this.config = config;
        this.topology = topology;
    }

    /**
     * Registers this app's metrics in {@code registry} (the local stack's, shared by its parts) instead of its own;
     * {@code /metrics} of the query API then shows the whole registry. Before {@link #start}.
     */
    public MonthlyActivityApp withMeterRegistry(PrometheusMeterRegistry registry) {
        this.registry = registry;
        return this;
    }

    /**
     * A part that runs beside the streams in the same process (the local stack's sink connectors): while
     * {@code check} gives a failure, {@code /health/live} and {@code /health/ready} answer 503 naming it. Before
     * {@link #start}.
     */
    public MonthlyActivityApp withHealthCheck(Supplier<Optional<String>> check) {
        this.healthCheck = check;
        return this;
    }

    /** The registry {@code /metrics} serves (this app's own unless {@link #withMeterRegistry} gave one). */
    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /**
     * Starts the query server (so its port is known to Streams' metadata), checks the stored counting settings
     * ({@link CountingSettings}) and starts the streams. Whatever was opened is closed when a step fails.
     *
     * @throws CountingSettingsRefusedException if {@code --zone} or {@code --commit-date-field} differ
     *         from those the application id counted with
     */
    public MonthlyActivityApp start() {
        try {
            queryServer = MonthlyActivityQueryServer.bind(config.httpHost(), config.httpPort());
            StreamsAppConfig bound = config.withHttpPort(queryServer.port());
            Properties props = bound.toStreamsProperties();
            // Where other instances reach this one's query API (an explicit application.server wins).
            String host = "0.0.0.0".equals(bound.httpHost()) ? "localhost" : bound.httpHost();
            props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, host + ":" + queryServer.port());
            HostInfo self = HostInfo.buildFromEndpoint(props.get(StreamsConfig.APPLICATION_SERVER_CONFIG).toString());
            props.put(SkippedRecords.CONFIG, skipped);
            CountingSettings settings = new CountingSettings(bound);
            int storedVersion = settings.verifyOrStore(props);
            streams = new KafkaStreams(topology.apply(bound), props);
            if (storedVersion != MonthlyActivityTopology.VERSION) {
                rebuild(settings, props, storedVersion);
            }
            streams.setStateListener((newState, oldState) -> {
                LOG.info("streams-app {} -> {}", oldState, newState);
                if (newState == KafkaStreams.State.RUNNING) {
                    running.countDown();
                } else if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) {
                    stopped.countDown();
                }
            });
            streams.setUncaughtExceptionHandler(new StreamThreadFailurePolicy(config.maxThreadReplacements(),
                    config.threadReplacementWindow(), Clock.systemUTC(), reason -> failure = reason));
            if (registry == null) {
                registry = StreamsMetrics.newRegistry();
            }
            metrics = new StreamsMetrics(registry);
            metrics.bind(streams, skipped);
            // Admin configs = the connection and security settings of every client of the streams-app.
            states = RepositoryStateView.start(new StreamsConfig(props).getAdminConfigs(config.applicationId() + "-repository-state"));
            queryServer.otherFailure(healthCheck);
            queryServer.start(streams, self, skipped, registry, states);
            streams.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("streams-app {} started: query API http://{}:{}/repos/OWNER/NAME/months (dashboard at /, Prometheus "
                        + "metrics at /metrics), zone {}, months by {} date",
                config.applicationId(), config.httpHost(), queryServer.port(), config.zone(),
                config.commitDateField().name().toLowerCase(Locale.ROOT));
        return this;
    }

    /**
     * The stored counting state was built by an older topology: counting on from it would mix old and new state.
     * Resets the application id in place (internal topics, committed offsets, this instance's local state), then
     * records the new version; the streams then recount every month from the input topics. A crash in between
     * repeats the reset at the next start (the version is recorded last).
     */
    private void rebuild(CountingSettings settings, Properties props, int storedVersion) {
        LOG.info("application {}: its counting state was built by topology version {}, this release counts with version {} "
                + "({}): rebuilding it from the input topics", config.applicationId(), storedVersion,
                MonthlyActivityTopology.VERSION, MonthlyActivityTopology.VERSION_CHANGES.get(MonthlyActivityTopology.VERSION));
        Set<String> deleted = new CountingStateReset(new StreamsConfig(props)).run();
        streams.cleanUp();
        settings.store(props);
        LOG.info("application {}: deleted its {} internal topics {}, its committed offsets and its local state; every month is "
                + "recounted from {} and {} and re-emitted with absolute values", config.applicationId(), deleted.size(), deleted,
                Topics.COMMITS, Topics.ISSUES);
    }

    /** Waits until the streams reach RUNNING for the first time, saying every 15 s what it waits for. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!running.await(Math.min(15_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() >= deadline) {
                    throw new IllegalStateException(new TimeoutException("streams-app not RUNNING after " + timeout
                            + " (state " + streams.state() + ")"));
                }
                LOG.info("streams-app still {}: joining its group and restoring its stores (after an unclean stop they are "
                        + "rebuilt from the changelogs)", streams.state());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the streams-app", e);
        }
    }

    /**
     * Blocks until the streams stopped (closed, or failed for good) and returns why they failed, if they did:
     * the one-line reason the failure policy logged, or the final state.
     */
    public Optional<String> awaitStopped() throws InterruptedException {
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR || failure != null) {
            return Optional.of(failure != null ? failure : "stream threads failed (state " + streams.state() + ")");
        }
        return Optional.empty();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Why the streams stopped for good, as {@link #awaitStopped} says it, without waiting: empty while they run. */
    public Optional<String> failure() {
        if (failure != null) {
            return Optional.of(failure);
        }
        KafkaStreams.State state = streams == null ? null : streams.state();
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                ? Optional.of("stream threads failed (state " + state + ")") : Optional.empty();
    }

    /** For tests that make this instance unreachable to the others while its streams keep running. */
    MonthlyActivityQueryServer queryServer() {
        return queryServer;
    }

    public int httpPort() {
        return queryServer.port();
    }

    /** Input records skipped (undeserializable) by this instance since it started; each is in the dead-letter topic. */
    public long skippedRecords() {
        return skipped.count();
    }

    /** Closes what was opened; idempotent (a shutdown hook may call it after a failed start). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (queryServer != null) {
            queryServer.close();
        }
        if (states != null) {
            states.close();
        }
        if (streams != null) {
            // Leave the group: a clean stop should not leave a member behind for the session timeout (a restart, or
            // another instance, would wait for it before taking its partitions).
            if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_TIMEOUT))) {
                LOG.warn("streams-app did not close within {}", CLOSE_TIMEOUT);
            }
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
