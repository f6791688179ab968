package dev.ghactivity.local;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.embedded.PortTakenException;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubApp;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.IngestReport;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.RepositoryStatePublisher;
import dev.ghactivity.producer.webhook.WebhookReceiver;
import dev.ghactivity.producer.ProducerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.CountingSettingsRefusedException;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.MonthlyActivityTopology;
import dev.ghactivity.streams.StreamsAppConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
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
    /**
     * The own broker's first check for timed-out transactions comes this long after its start (Kafka's default is 10 s).
     * After a kill, the restarted broker's coordinator loads the killed run's transactions in the seconds while the node
     * still replays its metadata; a timed-out transaction it rolled back then could lose the abort markers of partitions
     * the replay had not reached yet, for good (see {@link LeftoverTransactions}). Our own parts fence their
     * transactional ids at every start anyway; only a foreign transaction waits up to this long more.
     */
    private static final String BROKER_TIMED_OUT_TRANSACTION_CHECK_MS = "60000";

    /** The JDK's and RocksDB's words for ENOSPC, EFBIG, EROFS and EDQUOT. */
    private static final Pattern DISK_FAULT = Pattern.compile(
            "No space left on device|File too large|Read-only file system|Disk quota exceeded");

    private final LocalStackConfig config;
    private final GitHubToken token;
    private final GitHubApp githubApp;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private EmbeddedKafkaBroker broker;
    private String bootstrapServers;
    private GitHubActivityProducer producer;
    private MonthlyActivityApp streamsApp;
    private WebhookReceiver webhookReceiver;
    private String producerTransactionalId = ProducerAppConfig.Defaults.TRANSACTIONAL_ID;
    private EmbeddedConnectWorker connect;
    /** Connectors whose failure was logged already (continuous mode logs each once). */
    private final Set<String> failureLogged = ConcurrentHashMap.newKeySet();
    /** One registry for every part, served at {@code /metrics} of the query API. */
    private final PrometheusMeterRegistry registry = ProducerMetrics.prometheusRegistry();
    private URI s3Endpoint;
    private volatile boolean closed;
    /** Set when the streams-app stopped for good during a continuous run: the line the run ends with. */
    private volatile String streamsFailure;

    public LocalStack(LocalStackConfig config, GitHubToken token) {
        this(config, token, null);
    }

    /** Authenticating to GitHub with {@code token}, or as {@code githubApp} when not null (then the token must be none). */
    public LocalStack(LocalStackConfig config, GitHubToken token, GitHubApp githubApp) {
        this.config = config;
        this.token = token;
        this.githubApp = githubApp;
    }

    /** Starts every part, giving the streams-app 5 minutes to reach RUNNING; see {@link #start(Duration)}. */
    public LocalStack start() {
        return start(STREAMS_START_TIMEOUT);
    }

    /**
     * Starts every part; on failure, stops what already started and rethrows.
     *
     * @param streamsStartTimeout how long the streams-app may take to reach RUNNING (after an unclean stop it
     *                            first rebuilds its stores); every 15 s it is said what it waits for
     * @throws PortTakenException if a port the stack must listen on is taken (one-line message naming the option)
     * @throws IllegalStateException for any other failure; a {@link StuckPartException} cause if the
     *                               streams-app did not reach RUNNING in time
     */
    public LocalStack start(Duration streamsStartTimeout) {
        try {
            lockDataDir();
            long t0 = System.nanoTime();
            startKafka();
            // The dead-letter topic too: created up front, Connect's reporter would log an ERROR creating it.
            List<NewTopic> topics = new ArrayList<>(Topics.definitions(config.partitions(), config.replicationFactor()));
            topics.add(Topics.deadLetterDefinition(config.replicationFactor()));
            topics.add(Topics.streamsDeadLetterDefinition(config.replicationFactor()));
            createTopics(topics);
            if (broker != null) {
                // Only on its own broker: any member present before its parts start is a leftover of a killed run.
                LeftoverGroupMembers.remove(bootstrapServers, List.of(STREAMS_APPLICATION_ID, SQLITE_GROUP, S3_GROUP));
                // Before any reader starts: a transaction the restarted broker completed without marking a partition holds it.
                LeftoverTransactions.abort(bootstrapServers);
            }
            startS3();
            startConnect();
            // Here, not in a stream thread: a disk that cannot take it is one line. After the broker, whose own disk fault
            // (KafkaHaltLine) is said first when the disk is full from the start.
            RocksDbNativeLibrary.loadInto(config.dataDir().toAbsolutePath());
            startStreamsApp();
            awaitStreamsRunning(streamsStartTimeout);
            ProducerAppConfig producerConfig = ProducerAppConfig.builder()
                    .bootstrapServers(bootstrapServers)
                    .githubApiUrl(config.githubApiUrl())
                    .token(token)
                    .githubApp(githubApp)
                    .selection(config.selection())
                    .discoveryInterval(config.discoveryInterval())
                    .rateLimitReserve(config.rateLimitReserve())
                    .maxConcurrentRepos(config.maxConcurrentRepos())
                    .pollInterval(config.pollInterval())
                    .overlap(config.overlap())
                    .fullRereadInterval(config.fullRereadInterval())
                    .build();
            producerTransactionalId = producerConfig.transactionalId();
            producer = track(new GitHubActivityProducer(producerConfig, new ProducerMetrics(registry)));
            track(RepositoryStatePublisher.start(producerConfig, producer.progress())); // closed first: its last states go out
            if (config.webhook() != null) {
                webhookReceiver = track(WebhookReceiver.start(producerConfig, config.webhook(), producer).bindMetrics(registry));
                // Before "up": aborts a transaction a killed run left open under <id>-webhooks (it would hold the streams-app).
                webhookReceiver.awaitKafkaReady();
            } else {
                WebhookReceiver.completeLeftoverTransaction(producerConfig); // a run before may have had a receiver, and been killed
            }
            LOG.info("pipeline up in {} ms: Kafka {}, query API http://127.0.0.1:{}/repos/OWNER/NAME/months, SQLite {}, S3 {}/{}",
                    (System.nanoTime() - t0) / 1_000_000, bootstrapServers, streamsApp.httpPort(),
                    config.sqlitePath(), s3Endpoint, config.s3Bucket());
            return this;
        } catch (Exception e) {
            close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Creates the data dir and takes its lock, before anything else touches it: a second stack on the same dir
     * stops here with one line, and a dir that cannot be written (read-only, full) is named with what to do.
     */
    private void lockDataDir() {
        Path dir = config.dataDir().toAbsolutePath();
        try {
            Files.createDirectories(dir);
            track(DataDirLock.acquire(dir));
        } catch (IOException e) {
            throw new DataDirUnusableException(dir, e);
        }
    }

    /** The embedded broker, or the configured cluster. */
    private void startKafka() {
        if (config.kafkaBootstrapServers() == null) {
            broker = track(EmbeddedKafkaBroker.start(config.kafkaDir(), Map.of(
                    "transaction.abort.timed.out.transaction.cleanup.interval.ms", BROKER_TIMED_OUT_TRANSACTION_CHECK_MS)));
            bootstrapServers = broker.bootstrapServers();
        } else {
            bootstrapServers = config.kafkaBootstrapServers();
        }
    }

    private void createTopics(List<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            EmbeddedKafkaBroker.createTopics(admin, topics);
        }
    }

    private void startStreamsApp() {
        streamsApp = track(new MonthlyActivityApp(StreamsAppConfig.builder()
                .bootstrapServers(bootstrapServers)
                .applicationId(STREAMS_APPLICATION_ID)
                .stateDir(config.streamsStateDir())
                .zone(config.zone())
                .httpPort(config.httpPort())
                .build())).withMeterRegistry(registry).withHealthCheck(this::sinkFailure);
        try {
            streamsApp.start();
        } catch (CountingSettingsRefusedException e) {
            // The streams-app's remedy names its own --application-id; here a new data dir is the fresh start.
            throw new StackFailedException(e.message("data dir " + config.dataDir().toAbsolutePath(),
                    "in a new --data-dir (it re-reads GitHub; see README, 'Changing the zone')"), e);
        } catch (UncheckedIOException e) {
            if (causedByBindFailure(e)) {
                throw new PortTakenException(config.httpPort(), "port " + config.httpPort() + " of the query API is taken by "
                        + "another process: choose another with --http-port (0 for any free port)", e);
            }
            throw e;
        }
    }

    /** The server library wraps the JDK's {@link BindException} (Jetty: an IOException "Failed to bind to ..."). */
    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private void awaitStreamsRunning(Duration timeout) throws StuckPartException, InterruptedException {
        KafkaStreams streams = streamsApp.streams();
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(bootstrapServers)) {
            // Under exactly-once, state restoration reads every changelog to its end: an open transaction there holds it.
            HangingTransactions changelogHolds = new HangingTransactions(config.hangingTransactionGrace(), this::ownsTransactionalId,
                    bootstrapServers, broker != null, System::nanoTime, "the streams-app's state restoration reads each changelog to its end and "
                    + "waits there, so it never reaches RUNNING");
            long[] nextCheck = {System.nanoTime() + PartWait.REPORT_EVERY.toNanos()};
            boolean[] warned = {false};
            new PartWait("streams-app", () -> streamsStatus(streams, progress), System.nanoTime() + timeout.toNanos(), timeout)
                    .until(() -> {
                        requireSinksRunning(); // e.g. a read-only SQLite file: said now, not after the streams-app's start
                        if (!warned[0] && System.nanoTime() - nextCheck[0] >= 0) {
                            nextCheck[0] = System.nanoTime() + PartWait.REPORT_EVERY.toNanos();
                            warned[0] = warnIfChangelogHeld(progress, changelogHolds);
                        }
                        requireStreamsRunning(); // its failure policy gave up (e.g. a full disk): the reason, not only the state
                        KafkaStreams.State state = streams.state();
                        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                                || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) {
                            throw new IllegalStateException("the streams-app stopped while starting (state " + state + "); see the log above");
                        }
                        return state == KafkaStreams.State.RUNNING;
                    });
        }
    }

    /** Logs one WARN line when an open transaction has held a changelog partition past the grace; true once it did. */
    private static boolean warnIfChangelogHeld(ConsumerGroupProgress progress, HangingTransactions changelogHolds) {
        try {
            Optional<String> line = changelogHolds.hanging(progress.openTransactions(progress.changelogTopicsOf(STREAMS_APPLICATION_ID)));
            line.ifPresent(LOG::warn);
            return line.isPresent();
        } catch (IllegalStateException e) {
            LOG.debug("open transactions on the changelogs unknown: {}", e.getMessage());
            return false;
        }
    }

    /** Where the streams-app stands: state, its group on the input topics, stores still restoring, open transactions. */
    private static String streamsStatus(KafkaStreams streams, ConsumerGroupProgress progress) {
        StringBuilder line = new StringBuilder("state ").append(streams.state()).append("; ")
                .append(progress.status(STREAMS_APPLICATION_ID, List.of(Topics.COMMITS, Topics.ISSUES)));
        try {
            long restoring = 0;
            for (Map<Integer, LagInfo> lags : streams.allLocalStorePartitionLags().values()) {
                for (LagInfo lag : lags.values()) {
                    restoring += lag.offsetLag();
                }
            }
            line.append("; stores ").append(restoring).append(" changelog records behind");
        } catch (RuntimeException e) {
            line.append("; store lags unknown (").append(e.getClass().getSimpleName()).append(')');
        }
        try {
            List<String> held = progress.heldPartitions(progress.changelogTopicsOf(STREAMS_APPLICATION_ID));
            if (!held.isEmpty()) {
                line.append("; changelogs held: ").append(String.join("; ", held));
            }
        } catch (RuntimeException e) {
            line.append("; changelogs unknown (").append(e.getMessage()).append(')');
        }
        return line.append("; unfinished transactions ").append(progress.unfinishedTransactions()).toString();
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
        Map<String, String> worker = SinkConnectorConfigs.standaloneWorker(bootstrapServers,
                config.connectDir().resolve("standalone.offsets"));
        connect = track(EmbeddedConnectWorker.start(worker));
        ConnectSinkMetrics.bind(registry, SQLITE_CONNECTOR);
        ConnectSinkMetrics.bind(registry, S3_CONNECTOR);
        connect.putConnector(SQLITE_CONNECTOR, SinkConnectorConfigs.sqlite(SQLITE_CONNECTOR, config.sqlitePath(), DEAD_LETTER_TOPIC));
        String accessKey = config.s3Endpoint() == null ? EmbeddedS3Server.ACCESS_KEY : config.s3AccessKey();
        String secretKey = config.s3Endpoint() == null ? EmbeddedS3Server.SECRET_KEY : config.s3SecretKey();
        connect.putConnector(S3_CONNECTOR, SinkConnectorConfigs.s3(S3_CONNECTOR, s3Endpoint, config.s3Bucket(),
                config.s3Region(), accessKey, secretKey, config.s3FlushInterval(), DEAD_LETTER_TOPIC));
    }

    private synchronized <T extends AutoCloseable> T track(T part) {
        started.push(part);
        return part;
    }

    /**
     * Polls every repository once (backfill on the first run, incremental after), saying every 15 s how far the
     * input topics have come. GitHub sets the pace (rate limits, slow pages: the producer logs each wait), so there
     * is no deadline here; the producer's own Kafka calls are bounded by the client's timeouts.
     */
    public IngestReport ingestOnce() {
        ExecutorService poller = Executors.newSingleThreadExecutor(r -> new Thread(r, "ghactivity-ingest"));
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(bootstrapServers)) {
            Future<IngestReport> poll = poller.submit(producer::pollOnce);
            long t0 = System.nanoTime();
            new PartWait("producer", () -> "polling " + config.repositories().size() + " repositories for "
                    + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s; input topics hold "
                    + progress.endOffsetSum(List.of(Topics.COMMITS, Topics.ISSUES)) + " offsets; unfinished transactions "
                    + progress.unfinishedTransactions()).until(() -> {
                        requireSinksRunning();
                        requireStreamsRunning();
                        return poll.isDone();
                    });
            return poll.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (StuckPartException e) {
            throw new IllegalStateException(e); // no deadline: cannot happen
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while polling GitHub", e);
        } finally {
            poller.shutdownNow();
        }
    }

    /** Polls every poll interval until {@link #close()}, logging each stage's lag every half minute. */
    public void runUntilClosed() {
        ScheduledExecutorService lagLogger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ghactivity-lag");
            t.setDaemon(true);
            return t;
        });
        // A part of its own, stopped first at close(): a lag check still running after the broker stopped logged
        // NetworkClient WARNs ("Connection to node -1 ... could not be established") at a clean stop.
        synchronized (this) {
            if (closed) {
                lagLogger.shutdownNow();
                return;
            }
            track(() -> stop(lagLogger));
        }
        lagLogger.scheduleWithFixedDelay(this::logLag, 30, 30, TimeUnit.SECONDS);
        lagLogger.scheduleWithFixedDelay(this::logSinkFailure, 5, 5, TimeUnit.SECONDS);
        lagLogger.scheduleWithFixedDelay(this::stopOnStreamsFailure, 5, 5, TimeUnit.SECONDS);
        producer.runUntilClosed();
        String failure = streamsFailure;
        if (failure != null) {
            throw new StackFailedException(failure, null);
        }
    }

    /** Lets a lag check in progress end by itself: interrupted, its consumer's close logs an ERROR at every stop. */
    private static void stop(ScheduledExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The streams-app gave up (its failure policy stops it after repeated stream thread failures, e.g. a full disk):
     * nothing more is counted, so the continuous run ends (exit 1 with the line) rather than polling GitHub for nothing.
     */
    private void stopOnStreamsFailure() {
        try {
            streamsFailureLine().ifPresent(line -> {
                streamsFailure = line;
                producer.close(); // ends runUntilClosed(), which throws the line
            });
        } catch (RuntimeException e) {
            LOG.debug("cannot read the streams-app's state: {}", e.toString());
        }
    }

    /**
     * The streams-app's failure as one line, with what to do when its state could not be written (a full or
     * read-only disk: the messages of the JDK and RocksDB for ENOSPC, EFBIG, EROFS, EDQUOT), or empty while it runs.
     */
    Optional<String> streamsFailureLine() {
        if (streamsApp == null) {
            return Optional.empty();
        }
        return streamsApp.failure().map(reason -> streamsFailureLine(reason, config.streamsStateDir()));
    }

    /** {@code reason} (the streams-app's failure policy's words), with what to do when it is a disk fault. */
    static String streamsFailureLine(String reason, Path stateDir) {
        String line = "the streams-app stopped: " + reason;
        if (DISK_FAULT.matcher(reason).find()) {
            line += " (its state is under " + stateDir + ": free space on its file system or make it writable, or choose "
                    + "another --data-dir, and start again)";
        }
        return line;
    }

    /** @throws StackFailedException with {@link #streamsFailureLine()} once the streams-app stopped for good */
    void requireStreamsRunning() {
        Optional<String> failure = streamsFailureLine();
        if (failure.isPresent()) {
            throw new StackFailedException(failure.get(), null);
        }
    }

    /** A failed sink is logged once (ERROR: it needs a fix and a restart); the health probes say it until then. */
    private void logSinkFailure() {
        try {
            sinkFailure().filter(failureLogged::add).ifPresent(line -> LOG.error("{}; /health/live answers 503 until a restart", line));
        } catch (RuntimeException e) {
            LOG.debug("cannot read the sinks' status: {}", e.toString());
        }
    }

    private void logLag() {
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(bootstrapServers)) {
            List<String> events = List.of(Topics.COMMITS, Topics.ISSUES);
            List<String> activity = List.of(Topics.MONTHLY_ACTIVITY);
            long streams = progress.pendingRecords(STREAMS_APPLICATION_ID, events);
            long sqlite = progress.pendingRecords(SQLITE_GROUP, activity);
            long s3 = progress.pendingRecords(S3_GROUP, activity);
            // Only a lag is news: an idle pipeline would otherwise print this every half minute.
            (streams + sqlite + s3 > 0 ? LOG.atInfo() : LOG.atDebug())
                    .log("lag: streams-app {} events, SQLite sink {} rows, S3 sink {} rows (offsets, at most)", streams, sqlite, s3);
        } catch (RuntimeException e) {
            LOG.debug("cannot measure lag: {}", e.toString());
        }
    }

    /**
     * Waits until everything the producer committed is counted by the streams-app and written by both
     * sinks (SQLite and S3), saying every 15 s what it waits for (the group, the partitions behind, lag numbers).
     *
     * @throws StuckPartException naming the part that had not caught up after {@code timeout}, with its status
     */
    public void awaitSinksCaughtUp(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ConsumerGroupProgress progress = new ConsumerGroupProgress(bootstrapServers)) {
            // The streams-app's group reads its repartition topics too: it has counted everything only once it has read
            // the input and every repartition topic (their records are committed with the input offsets that made them).
            List<String> streamsTopics = new ArrayList<>(List.of(Topics.COMMITS, Topics.ISSUES));
            List<String> repartition = progress.repartitionTopicsOf(STREAMS_APPLICATION_ID);
            streamsTopics.addAll(repartition);
            // One pass per hop: a pass may look at a repartition topic before the hop feeding it was read to the end.
            int passes = 1 + repartition.size();
            int[] zeroPasses = {0};
            // An open transaction holds the last stable offset: the group looks caught up while records after it are not counted.
            // The output topic too: the months the last input changed are emitted (by a punctuation) after it was committed.
            List<String> written = new ArrayList<>(streamsTopics);
            written.add(Topics.MONTHLY_ACTIVITY);
            HangingTransactions hanging = new HangingTransactions(config.hangingTransactionGrace(), this::ownsTransactionalId,
                    bootstrapServers, broker != null, System::nanoTime);
            try {
                new PartWait("streams-app", () -> progress.status(STREAMS_APPLICATION_ID, streamsTopics) + "; months pending emission "
                        + pendingMonths() + "; unfinished transactions " + progress.unfinishedTransactions(), deadline, timeout)
                        .until(() -> {
                            requireStreamsRunning(); // stopped for good (e.g. a full disk): said now, not at the timeout
                            boolean noneOpen = noTransactionOpen(progress, written, hanging);
                            boolean caughtUp = noneOpen && progress.pendingRecords(STREAMS_APPLICATION_ID, streamsTopics) == 0
                                    && pendingMonths().equals("0");
                            zeroPasses[0] = caughtUp ? zeroPasses[0] + 1 : 0;
                            return zeroPasses[0] >= passes;
                        });
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof StuckPartException stuck) {
                    throw stuck;
                }
                throw e;
            }
            LOG.info("streams-app: caught up (all records of {})", streamsTopics);
            // The producer is done: once the streams-app has read everything and emitted every month it changed, its output
            // is complete too.
            List<String> activity = List.of(Topics.MONTHLY_ACTIVITY);
            awaitGroup(progress, SQLITE_GROUP, "SQLite sink", activity, deadline, timeout);
            awaitGroup(progress, S3_GROUP, "S3 sink", activity, deadline, timeout);
        }
    }

    /** The months the streams-app changed and has not emitted yet, or "unknown" while its stores are not queryable. */
    private String pendingMonths() {
        OptionalLong pending = MonthlyActivityTopology.pendingMonths(streamsApp.streams());
        return pending.isPresent() ? Long.toString(pending.getAsLong()) : "unknown";
    }

    /**
     * True when no transaction is open on {@code topics}' partitions (unknown counts as open).
     *
     * @throws IllegalStateException with a {@link StuckPartException} cause naming the partition, the transactional.id
     *                               and what to do, when one has held a partition longer than the grace
     */
    private static boolean noTransactionOpen(ConsumerGroupProgress progress, List<String> topics, HangingTransactions hanging) {
        List<HangingTransactions.OpenTransaction> open;
        try {
            open = progress.openTransactions(topics);
        } catch (IllegalStateException e) {
            LOG.debug("open transactions unknown: {}", e.getMessage());
            return false;
        }
        hanging.hanging(open).ifPresent(line -> {
            throw new IllegalStateException(new StuckPartException("streams-app", line));
        });
        return open.isEmpty();
    }

    /** The producer's transactional.id, its {@code -webhooks} one, the streams-app's ({@code <application.id>-...}). */
    private boolean ownsTransactionalId(String id) {
        return id.startsWith(producerTransactionalId) || id.startsWith(STREAMS_APPLICATION_ID + "-");
    }

    private void awaitGroup(ConsumerGroupProgress progress, String group, String stage, List<String> topics,
                            long deadline, Duration timeout)
            throws StuckPartException, InterruptedException {
        new PartWait(stage, () -> progress.status(group, topics) + "; unfinished transactions " + progress.unfinishedTransactions(),
                deadline, timeout)
                .until(() -> {
                    requireSinksRunning(); // a failed task never catches up: say why now, not at the timeout
                    return progress.pendingRecords(group, topics) == 0;
                });
        LOG.info("{}: caught up (all records of {})", stage, topics);
    }

    /**
     * @throws StackFailedException naming the sink whose connector or task failed (e.g. its SQLite file is read-only),
     *                              with the reason the task gave; Connect does not restart a failed task by itself
     */
    void requireSinksRunning() {
        Optional<String> failure = sinkFailure();
        if (failure.isPresent()) {
            throw new StackFailedException(failure.get(), null);
        }
    }

    /** The first failed sink as one line (which sink, why, what stays safe), or empty while both run. */
    public Optional<String> sinkFailure() {
        if (connect == null) {
            return Optional.empty();
        }
        for (Map.Entry<String, String> sink : Map.of(SQLITE_CONNECTOR, "SQLite sink", S3_CONNECTOR, "S3 sink").entrySet()) {
            Optional<String> reason = connect.failure(sink.getKey());
            if (reason.isPresent()) {
                return Optional.of("the " + sink.getValue() + " stopped: " + reason.get() + " (what it did not write stays in topic "
                        + Topics.MONTHLY_ACTIVITY + " and is written when the stack starts again)");
            }
        }
        return Optional.empty();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int httpPort() {
        return streamsApp.httpPort();
    }

    /** The webhook receiver's port; -1 when the stack runs without one. */
    public int webhookPort() {
        return webhookReceiver == null ? -1 : webhookReceiver.port();
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
