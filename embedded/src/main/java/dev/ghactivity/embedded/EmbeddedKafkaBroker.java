package dev.ghactivity.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM, in KRaft mode (one node, combined broker and controller roles),
 * listening on 127.0.0.1 only. Its log lives under the given directory, so a second start on the
 * same directory finds the topics, offsets and transactions of the first.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** The broker ports of this JVM whose broker is starting: see {@link #listenerStarting}. */
    private static final Set<Integer> STARTING = ConcurrentHashMap.newKeySet();

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDir;
    private final Map<String, String> overrides;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Path logDir, Map<String, String> overrides) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
        this.overrides = Map.copyOf(overrides);
    }

    /** Starts a broker on the data directory's loopback ports, its log under {@code dir}, with default settings. */
    public static EmbeddedKafkaBroker start(Path dir) {
        return start(dir, Map.of());
    }

    /**
     * Starts a broker with its log under {@code dir} (formatted on first use), listening on 127.0.0.1.
     *
     * <p>The listener ports are chosen at the first start on {@code dir} and kept in {@code dir/listeners.properties}
     * ({@link ListenerPorts}); every later start listens on the same ports, as a real broker keeps its listeners.
     * The metadata log remembers where node 1 listens: with new ports at every start, the transaction coordinator
     * sent the markers of transactions a killed producer left open to the old address for good, and the
     * partitions' last stable offset (and with it every read_committed consumer) stood still.
     *
     * @param overrides broker properties that replace the defaults (e.g. {@code num.partitions})
     * @throws PortTakenException  with a one-line message naming the port and the file that keeps it, if a kept port
     *         is taken by another process
     * @throws IllegalStateException if the broker does not start; whatever had started is stopped again (ports,
     *         log directory lock released)
     */
    public static EmbeddedKafkaBroker start(Path dir, Map<String, String> overrides) {
        Path logDir = dir.toAbsolutePath();
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
        ListenerPorts ports = ListenerPorts.load(logDir);
        if (ports != null) {
            ports.requireFree();
            return start(logDir, ports, overrides);
        }
        // First start on this directory: free ports now, kept once the broker listens on them. Another process
        // may take a port between the probe and the bind; then we try other ones.
        for (int attempt = 1; ; attempt++) {
            ports = ListenerPorts.pickFree(logDir);
            try {
                EmbeddedKafkaBroker broker = start(logDir, ports, overrides);
                ports.save();
                return broker;
            } catch (IllegalStateException e) {
                if (attempt == 3 || !ListenerPorts.isBindFailure(e)) {
                    throw e;
                }
                LOG.info("a port picked for the Kafka broker was taken meanwhile ({}); picking others", e.getMessage());
            }
        }
    }

    /**
     * Stops this broker and starts it again on the same ports (kept in its log directory), log directory and
     * settings, as a restarted real broker keeps its listeners: its clients reconnect by themselves (tests of
     * clients riding out a broker outage).
     *
     * @return the new broker (this one is closed)
     */
    public EmbeddedKafkaBroker restart() {
        close();
        return start(logDir, overrides);
    }

    /**
     * A combined broker and controller node on 127.0.0.1: its listeners, the static voter set ({@code id@host:port,...})
     * and its log directory; the single broker and each node of {@link EmbeddedKafkaCluster} add their replication
     * settings on top.
     */
    static Properties nodeProperties(int nodeId, int brokerPort, int controllerPort, String voters, Path logDir) {
        Properties props = new Properties();
        props.put("node.id", String.valueOf(nodeId));
        props.put("process.roles", "broker,controller");
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("controller.quorum.voters", voters);
        props.put("log.dirs", logDir.toString());
        return props;
    }

    private static EmbeddedKafkaBroker start(Path logDir, ListenerPorts ports, Map<String, String> overrides) {
        int brokerPort = ports.broker();
        int controllerPort = ports.controller();
        Properties props = nodeProperties(NODE_ID, brokerPort, controllerPort, NODE_ID + "@127.0.0.1:" + controllerPort, logDir);
        // One node: every replication factor and ISR minimum is 1.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        props.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        props.put("unclean.leader.election.enable", "false");
        // One node sharing 2 cores with the whole pipeline: replaying the metadata log at a restart takes a few seconds
        // (measured 2.7 s after a kill -9 under load), which the default 2 s threshold reports as an ERROR.
        props.put("controller.performance.always.log.threshold.ms", "10000");
        props.putAll(overrides);
        KafkaConfig config = new KafkaConfig(props, false);

        format(NODE_ID, logDir, Uuid.randomUuid().toString());
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        String bootstrap = "127.0.0.1:" + brokerPort;
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, bootstrap, logDir, overrides);
        STARTING.add(brokerPort);
        try {
            server.startup();
            broker.awaitReady();
        } catch (RuntimeException e) {
            // A half-started server holds its ports, threads and the log directory's lock: give them back.
            try {
                broker.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw new IllegalStateException("the embedded Kafka broker in " + logDir + " did not start: "
                    + ListenerPorts.rootMessage(e), e);
        } finally {
            STARTING.remove(brokerPort);
        }
        LOG.info("Kafka broker (KRaft) up at {}, log in {}", bootstrap, logDir);
        return broker;
    }

    /**
     * Formats a KRaft node's log directory once (a formatted one is left as it is). No initial controllers: the
     * static voter set of {@code controller.quorum.voters} (kraft.version 0), for the single broker and each
     * cluster node alike.
     */
    static void format(int nodeId, Path logDir, String clusterId) {
        try {
            Files.createDirectories(logDir);
            if (Files.exists(logDir.resolve("meta.properties"))) {
                return;
            }
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no answer to describeCluster within " + READY_TIMEOUT.toSeconds()
                                + " s (" + e.getCause() + ")", e);
                    }
                }
                sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    /**
     * Whether a broker of this JVM is starting with its listener on {@code port}: refused connections to it are expected
     * then. A broker with a fixed port (ours always is: {@link ListenerPorts}) opens its listener only at the end of its
     * startup, once it has replayed its metadata log and is unfenced (Kafka 4.4's {@code Acceptor} binds a non-zero port
     * in {@code start()}, which {@code SocketServer.enableRequestProcessing} calls last in {@code BrokerServer.startup});
     * meanwhile its own clients already connect to node 1's address (the readiness check's admin, and after a kill -9 the
     * transaction marker sender completing what the killed run left in PrepareCommit/PrepareAbort): each refused try is
     * a NetworkClient WARN ("Connection to node ... could not be established") that needs no action. The longer the
     * replay (a log of a killed run), the more of them.
     */
    public static boolean listenerStarting(int port) {
        return STARTING.contains(port);
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        return admin(bootstrapServers);
    }

    /** An admin client for {@code bootstrapServers}; the caller closes it. */
    static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /**
     * The latest committed value of every key of a topic (read with {@code isolation.level=read_committed} from the
     * beginning to the end offsets of now, at most 30 s), in key order: what a test compares with its expected records.
     */
    public Map<String, byte[]> latestCommitted(String topic) {
        Map<String, byte[]> latest = new java.util.TreeMap<>();
        readCommitted(bootstrapServers, topic).forEach(r -> latest.put(r.key(), r.value()));
        return latest;
    }

    /**
     * Every committed record of a topic on any cluster ({@code isolation.level=read_committed}), from the beginning to
     * the end offsets of now (at most 30 s), in offset order per partition: what a test counts and compares.
     */
    public static List<ConsumerRecord<String, byte[]>> readCommitted(String bootstrapServers, String topic) {
        List<ConsumerRecord<String, byte[]>> result = new java.util.ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(result::add);
            }
        }
        return result;
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of every one of them has a
     * leader: producing right after creation can otherwise hit NOT_LEADER_OR_FOLLOWER and then an
     * OUT_OF_ORDER_SEQUENCE retry loop.
     */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = admin()) {
            createTopics(admin, topics);
        }
    }

    /** Same as {@link #createTopics(Collection)} with the caller's admin client (any cluster). */
    public static void createTopics(Admin admin, Collection<NewTopic> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).collect(Collectors.toList());
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toSet());
            long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
            while (!allPartitionsLed(admin, names)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have partitions without a leader after "
                            + TOPIC_READY_TIMEOUT.toSeconds() + " s");
                }
                sleep(50);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private static boolean allPartitionsLed(Admin admin, Set<String> names) throws InterruptedException {
        try {
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            return descriptions.values().stream()
                    .flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    /** Stops the broker and waits for it; the log directory stays. Closing again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("stopping Kafka broker at {}", bootstrapServers);
        try {
            server.shutdown();
        } finally {
            server.awaitShutdown();
        }
    }
}
