package dev.ghactivity.streams;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running streams-app: {@link MonthlyActivityTopology} in a {@link KafkaStreams} plus the HTTP query API. */
public final class MonthlyActivityApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonthlyActivityApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final StreamsAppConfig config;
    private final CountDownLatch running = new CountDownLatch(1);
    private KafkaStreams streams;
    private MonthlyActivityQueryServer queryServer;

    public MonthlyActivityApp(StreamsAppConfig config) {
        this.config = config;
    }

    /** Starts the query server (so its port is known to Streams' metadata) and then the streams. */
    public MonthlyActivityApp start() {
        queryServer = MonthlyActivityQueryServer.bind(config.httpHost(), config.httpPort());
        StreamsAppConfig bound = config.withHttpPort(queryServer.port());
        Properties props = bound.toStreamsProperties();
        // Where other instances reach this one's query API (an explicit application.server wins).
        String host = "0.0.0.0".equals(bound.httpHost()) ? "localhost" : bound.httpHost();
        props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, host + ":" + queryServer.port());
        streams = new KafkaStreams(MonthlyActivityTopology.build(bound), props);
        streams.setStateListener((newState, oldState) -> {
            LOG.info("streams-app {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed, replacing it: {}", e.toString(), e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        queryServer.start(streams);
        streams.start();
        LOG.info("streams-app {} started: query API http://{}:{}/repos/OWNER/NAME/months, zone {}, months by {} date",
                config.applicationId(), config.httpHost(), queryServer.port(), config.zone(),
                config.commitDateField().name().toLowerCase(java.util.Locale.ROOT));
        return this;
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

    public KafkaStreams streams() {
        return streams;
    }

    public int httpPort() {
        return queryServer.port();
    }

    @Override
    public void close() {
        if (queryServer != null) {
            queryServer.close();
        }
        if (streams != null) {
            if (!streams.close(CLOSE_TIMEOUT)) {
                LOG.warn("streams-app did not close within {}", CLOSE_TIMEOUT);
            }
        }
    }
}
