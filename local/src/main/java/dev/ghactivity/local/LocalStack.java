package dev.ghactivity.local;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.StreamsAppConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline in one JVM: a KRaft broker, the topics, the producer, the streams-app, a Connect
 * worker running both sinks and (unless an endpoint is given) an S3-compatible server. Every part is the
 * same code that runs as its own process in docker-compose; only the wiring lives here.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    public static final String STREAMS_APPLICATION_ID = "ghactivity-streams";
    public static final String SQLITE_CONNECTOR = "ghactivity-sqlite";
    public static final String S3_CONNECTOR = "ghactivity-s3";
    public static final String DEAD_LETTER_TOPIC = Topics.MONTHLY_ACTIVITY_DLQ;
    /** Connect names a sink connector's consumer group {@code connect-<connector>}. */
    private static final String SQLITE_GROUP = "connect-" + SQLITE_CONNECTOR;
    private static final String S3_GROUP = "connect-" + S3_CONNECTOR;
    private static final Duration STREAMS_START_TIMEOUT = Duration.ofMinutes(5);

    private final LocalStackConfig config;
    private final GitHubToken token;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private EmbeddedKafkaBroker broker;
    private GitHubActivityProducer producer;
    private MonthlyActivityApp streamsApp;
    private URI s3Endpoint;
    private volatile boolean closed;

    public LocalStack(LocalStackConfig config, GitHubToken token) {
        this.config = config;
        this.token = token;
    }

    /** Starts every part; on failure, stops what already started and rethrows. */
    public LocalStack start() {
        try {
            Files.createDirectories(config.dataDir());
            long t0 = System.nanoTime();
            broker = track(EmbeddedKafkaBroker.start(config.kafkaDir()));
            // The dead-letter topic too: created up front, Connect's reporter would log an ERROR creating it.
            List<NewTopic> topics = new ArrayList<>(Topics.definitions(config.partitions(), (short) 1));
            topics.add(Topics.deadLetterDefinition((short) 1));
            topics.add(Topics.streamsDeadLetterDefinition((short) 1));
            broker.createTopics(topics);
            LeftoverGroupMembers.remove(broker.bootstrapServers(),
                    List.of(STREAMS_APPLICATION_ID, SQLITE_GROUP, S3_GROUP));
            startS3();
            startConnect();
            streamsApp = track(new MonthlyActivityApp(StreamsAppConfig.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .applicationId(STREAMS_APPLICATION_ID)
                    .stateDir(config.streamsStateDir())
                    .zone(config.zone())
                    .httpPort(config.httpPort())
                    .build()));
            streamsApp.start();
            // Generous: after an unclean stop the stores are rebuilt from their changelogs first.
            streamsApp.awaitRunning(STREAMS_START_TIMEOUT);
            producer = track(new GitHubActivityProducer(ProducerAppConfig.builder()
                    .bootstrapServers(broker.bootstrapServers())
                    .githubApiUrl(config.githubApiUrl())
                    .token(token)
                    .selection(config.selection())
                    .discoveryInterval(config.discoveryInterval())
                    .rateLimitReserve(config.rateLimitReserve())
                    .pollInterval(config.pollInterval())
                    .overlap(config.overlap())
                    .fullRereadInterval(config.fullRereadInterval())
                    .build()));
            LOG.info("pipeline up in {} ms: Kafka {}, query API http://127.0.0.1:{}/repos/{{owner}}/{{name}}/months, SQLite {}, S3 {}/{}",
                    (System.nanoTime() - t0) / 1_000_000, broker.bootstrapServers(), streamsApp.httpPort(),
                    config.sqlitePath(), s3Endpoint, config.s3Bucket());
            return this;
        } catch (Exception e) {
            close();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    private void startS3() {
        if (config.s3Endpoint() != null) {
            s3Endpoint = config.s3Endpoint();
            return;
        }
        EmbeddedS3Server s3 = track(EmbeddedS3Server.start(config.s3Dir(), 0));
        s3.createBucket(config.s3Bucket());
        s3Endpoint = s3.endpoint();
    }

    private void startConnect() throws Exception {
        Files.createDirectories(config.connectDir());
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", broker.bootstrapServers());
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", config.connectDir().resolve("standalone.offsets").toString());
        worker.put("offset.flush.interval.ms", "500");
        worker.put("plugin.discovery", "service_load");
        worker.put("listeners", "http://127.0.0.1:0");
        // Sinks see only committed output of the exactly-once streams-app.
        worker.put("consumer.isolation.level", "read_committed");
        worker.put("consumer.auto.offset.reset", "earliest");
        EmbeddedConnectWorker connect = track(EmbeddedConnectWorker.start(worker));
        connect.putConnector(SQLITE_CONNECTOR, SinkConnectorConfigs.sqlite(SQLITE_CONNECTOR, config.sqlitePath(), DEAD_LETTER_TOPIC));
        String accessKey = config.s3Endpoint() == null ? EmbeddedS3Server.ACCESS_KEY : config.s3AccessKey();
        String secretKey = config.s3Endpoint() == null ? EmbeddedS3Server.SECRET_KEY : config.s3SecretKey();
        connect.putConnector(S3_CONNECTOR, SinkConnectorConfigs.s3(S3_CONNECTOR, s3Endpoint, config.s3Bucket(),
                config.s3Region(), accessKey, secretKey, config.s3FlushInterval(), DEAD_LETTER_TOPIC));
    }

    private <T extends AutoCloseable> T track(T part) {
        started.push(part);
        return part;
    }

    /** Polls every repository once (backfill on the first run, incremental after). */
    public IngestReport ingestOnce() {
        return producer.pollOnce();
    }

    /** Polls every poll interval until {@link #close()}, logging each stage's lag every half minute. */
    public void runUntilClosed() {
        ScheduledExecutorService lagLogger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ghactivity-lag");
            t.setDaemon(true);
            return t;
        });
        lagLogger.scheduleWithFixedDelay(this::logLag, 30, 30, TimeUnit.SECONDS);
        try {
            producer.runUntilClosed();
        } finally {
            lagLogger.shutdownNow();
        }
    }

    private void logLag() {
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(broker.bootstrapServers())) {
            Map<TopicPartition, Long> events = progress.lastDataOffsets(List.of(Topics.COMMITS, Topics.ISSUES));
            Map<TopicPartition, Long> activity = progress.lastDataOffsets(List.of(Topics.MONTHLY_ACTIVITY));
            LOG.info("lag: streams-app {} events, SQLite sink {} rows, S3 sink {} rows",
                    progress.pendingRecords(STREAMS_APPLICATION_ID, events),
                    progress.pendingRecords(SQLITE_GROUP, activity),
                    progress.pendingRecords(S3_GROUP, activity));
        } catch (RuntimeException e) {
            LOG.debug("cannot measure lag: {}", e.toString());
        }
    }

    /**
     * Waits until everything the producer committed is counted by the streams-app and written by both
     * sinks (SQLite and S3), logging the lag of each stage while it waits.
     */
    public void awaitSinksCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(broker.bootstrapServers())) {
            Map<TopicPartition, Long> events = progress.lastDataOffsets(List.of(Topics.COMMITS, Topics.ISSUES));
            awaitGroup(progress, STREAMS_APPLICATION_ID, "streams-app", events, deadline);
            Map<TopicPartition, Long> activity = progress.lastDataOffsets(List.of(Topics.MONTHLY_ACTIVITY));
            awaitGroup(progress, SQLITE_GROUP, "SQLite sink", activity, deadline);
            awaitGroup(progress, S3_GROUP, "S3 sink", activity, deadline);
        }
    }

    private static void awaitGroup(ConsumerGroupProgress progress, String group, String stage,
                                   Map<TopicPartition, Long> lastOffsets, long deadline)
            throws TimeoutException, InterruptedException {
        long lastLog = 0;
        while (true) {
            long pending = progress.pendingRecords(group, lastOffsets);
            if (pending == 0) {
                LOG.info("{}: caught up ({} of {})", stage, "all records", ConsumerGroupProgress.topicsOf(lastOffsets));
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(stage + " still has " + pending + " records to process; giving up waiting");
            }
            if (System.nanoTime() - lastLog > 5_000_000_000L) {
                LOG.info("{}: lag {} records", stage, pending);
                lastLog = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public int httpPort() {
        return streamsApp.httpPort();
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    public Path sqlitePath() {
        return config.sqlitePath();
    }

    /** Stops the parts in reverse order of start: producer, streams, Connect (sinks flush), S3, broker. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
        LOG.info("pipeline stopped");
    }
}
