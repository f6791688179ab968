package dev.ghactivity.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-node Kafka cluster in this JVM, in KRaft mode: nodes {@code 1..n}, each a combined broker and
 * controller with its own log directory ({@code <dir>/node-<id>}) and its own two loopback ports, all in one
 * static voter set ({@code controller.quorum.voters}). With three nodes a quorum of two survives the stop of
 * any one, as in production.
 *
 * <p>Defaults are those of a production cluster of this size (see {@code docker/create-topics.sh}):
 * replication factor {@code min(3, n)} for every topic including the internal ones, {@code min.insync.replicas}
 * and {@code transaction.state.log.min.isr} 2 from three nodes on, unclean leader election off. A node keeps
 * its ports, so {@link #restartNode(int)} brings it back where its peers expect it, and a new start on the same
 * directory listens where the first did (the ports are kept in {@code <dir>/cluster-ports.properties}).
 * ({@code KafkaClusterTestKit} would need the kafka-clients test jar, which 4.4.0 does not publish.)
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String PORTS_FILE = "cluster-ports.properties";

    private final Map<Integer, KafkaConfig> configs;
    private final Map<Integer, KafkaRaftServer> running = new TreeMap<>();
    private final String bootstrapServers;

    private EmbeddedKafkaCluster(Map<Integer, KafkaConfig> configs, String bootstrapServers) {
        this.configs = configs;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats (on first use) and starts {@code nodes} nodes under {@code dir}, and waits until every broker
     * is registered.
     *
     * @param overrides properties that replace the defaults on every node (e.g. {@code num.partitions})
     */
    public static EmbeddedKafkaCluster start(Path dir, int nodes, Map<String, String> overrides) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, got " + nodes);
        }
        Map<Integer, int[]> ports = listenerPorts(dir.toAbsolutePath(), nodes);
        String voters = ports.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()[1])
                .collect(Collectors.joining(","));
        String bootstrap = ports.values().stream().map(p -> "127.0.0.1:" + p[0]).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        Map<Integer, KafkaConfig> configs = new TreeMap<>();
        for (Map.Entry<Integer, int[]> node : ports.entrySet()) {
            Path logDir = dir.resolve("node-" + node.getKey()).toAbsolutePath();
            configs.put(node.getKey(), nodeConfig(node.getKey(), node.getValue()[0], node.getValue()[1], voters, logDir, nodes, overrides));
            EmbeddedKafkaBroker.format(node.getKey(), logDir, clusterId);
        }
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(configs, bootstrap);
        try {
            // In parallel: a node's startup() blocks until the controller quorum (a majority of its peers) is up.
            cluster.inParallel(configs.keySet().stream().map(id -> (Runnable) () -> cluster.startServer(id)).collect(Collectors.toList()));
            cluster.awaitBrokers(nodes);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("Kafka cluster (KRaft, {} nodes) up at {}", nodes, bootstrap);
        return cluster;
    }

    /**
     * node id -> {broker port, controller port}: those kept in {@code <dir>/cluster-ports.properties} by an
     * earlier start (the metadata log knows every node at its address), else free ones, then kept there.
     */
    private static Map<Integer, int[]> listenerPorts(Path dir, int nodes) {
        Path file = dir.resolve(PORTS_FILE);
        Map<Integer, int[]> ports = new TreeMap<>();
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                Properties kept = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    kept.load(in);
                }
                for (int id = 1; id <= nodes; id++) {
                    String broker = kept.getProperty("node." + id + ".broker.port");
                    String controller = kept.getProperty("node." + id + ".controller.port");
                    if (broker == null || controller == null) {
                        throw new IllegalStateException(file + " has no ports for node " + id + " of " + nodes
                                + ": start the cluster with as many nodes as the first time, or use a new directory");
                    }
                    ports.put(id, new int[] {Integer.parseInt(broker.trim()), Integer.parseInt(controller.trim())});
                }
                return ports;
            }
            // Every socket open at once: 2 x nodes different ports.
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * nodes; i++) {
                    sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                }
            } finally {
                for (ServerSocket socket : sockets) {
                    socket.close();
                }
            }
            Properties kept = new Properties();
            for (int id = 1; id <= nodes; id++) {
                int[] pair = {sockets.get(2 * id - 2).getLocalPort(), sockets.get(2 * id - 1).getLocalPort()};
                ports.put(id, pair);
                kept.setProperty("node." + id + ".broker.port", String.valueOf(pair[0]));
                kept.setProperty("node." + id + ".controller.port", String.valueOf(pair[1]));
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                kept.store(out, "Listener ports of the embedded Kafka cluster's nodes: the metadata log knows them here");
            }
            return ports;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot pick or read the Kafka cluster's ports (" + file + "): " + e.getMessage(), e);
        }
    }

    private static KafkaConfig nodeConfig(int nodeId, int brokerPort, int controllerPort, String voters, Path logDir,
                                          int nodes, Map<String, String> overrides) {
        String replication = String.valueOf(Math.min(3, nodes));
        String minIsr = nodes >= 3 ? "2" : "1";
        Properties props = EmbeddedKafkaBroker.nodeProperties(nodeId, brokerPort, controllerPort, voters, logDir);
        props.put("default.replication.factor", replication);
        props.put("min.insync.replicas", minIsr);
        props.put("offsets.topic.replication.factor", replication);
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", replication);
        props.put("transaction.state.log.min.isr", minIsr);
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", replication);
        props.put("share.coordinator.state.topic.min.isr", minIsr);
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("unclean.leader.election.enable", "false");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        props.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        props.putAll(overrides);
        return new KafkaConfig(props, false);
    }

    private void startServer(int nodeId) {
        KafkaRaftServer server = new KafkaRaftServer(configs.get(nodeId), Time.SYSTEM);
        synchronized (this) {
            running.put(nodeId, server);
        }
        server.startup();
    }

    /** Runs every task on its own thread and waits for all; rethrows the first failure. */
    private void inParallel(List<Runnable> tasks) {
        List<RuntimeException> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = tasks.stream().map(task -> new Thread(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }, "kafka-cluster-node")).collect(Collectors.toList());
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting or stopping Kafka nodes", e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** {@code host:port,...} of every node, for clients (a client needs only one of them to be up). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The node ids, {@code 1..n}. */
    public List<Integer> nodeIds() {
        return List.copyOf(configs.keySet());
    }

    public synchronized boolean isRunning(int nodeId) {
        return running.containsKey(nodeId);
    }

    /** An admin client for this cluster; the caller closes it. */
    public Admin admin() {
        return EmbeddedKafkaBroker.admin(bootstrapServers);
    }

    /** Creates the missing topics and waits until every partition has a leader (see {@link EmbeddedKafkaBroker#createTopics}). */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = admin()) {
            EmbeddedKafkaBroker.createTopics(admin, topics);
        }
    }

    /** Stops one node (broker and controller) in an orderly way and waits for it; its log directory stays. */
    public void stopNode(int nodeId) {
        KafkaRaftServer server;
        synchronized (this) {
            server = running.remove(nodeId);
        }
        if (server == null) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        LOG.info("stopping Kafka node {}", nodeId);
        server.shutdown();
        server.awaitShutdown();
    }

    /** Starts a stopped node again on its own ports and log directory, and waits until its broker is registered. */
    public void restartNode(int nodeId) {
        if (!configs.containsKey(nodeId) || isRunning(nodeId)) {
            throw new IllegalStateException("node " + nodeId + " is unknown or already running");
        }
        LOG.info("starting Kafka node {} again", nodeId);
        startServer(nodeId);
        awaitBrokers(configs.size());
    }

    /**
     * Waits until every partition of every topic has all its replicas in sync, e.g. after a stopped node came
     * back and caught up.
     */
    public void awaitFullyReplicated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                List<String> behind = underReplicated(admin);
                if (behind.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("partitions still under-replicated after " + timeout.toSeconds() + " s: " + behind);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for replication", e);
        }
    }

    private static List<String> underReplicated(Admin admin) throws InterruptedException {
        try {
            Collection<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                    .names().get();
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
            return topics.values().stream()
                    .flatMap(t -> t.partitions().stream()
                            .filter(p -> p.isr().size() < p.replicas().size())
                            .map(p -> t.name() + "-" + p.partition()))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (ExecutionException e) {
            return List.of("(cannot describe topics: " + e.getCause().getMessage() + ")");
        }
    }

    private void awaitBrokers(int expected) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            int seen = 0;
            while (true) {
                try {
                    seen = admin.describeCluster().nodes().get().size();
                    if (seen >= expected) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // not answering yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("embedded Kafka cluster: " + seen + " of " + expected
                            + " brokers registered after " + READY_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka cluster", e);
        }
    }

    /**
     * Stops every running node, in parallel: one at a time, the last broker's controlled shutdown would wait
     * for a controller quorum that is already gone. The log directories stay.
     */
    @Override
    public void close() {
        List<KafkaRaftServer> servers;
        synchronized (this) {
            servers = List.copyOf(running.values());
            running.clear();
        }
        LOG.info("stopping Kafka cluster at {}", bootstrapServers);
        inParallel(servers.stream().map(server -> (Runnable) server::shutdown).collect(Collectors.toList()));
        servers.forEach(KafkaRaftServer::awaitShutdown);
    }
}
