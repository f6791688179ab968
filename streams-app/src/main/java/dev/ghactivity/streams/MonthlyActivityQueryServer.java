package dev.ghactivity.streams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.MonthlyActivityColumn;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /repos/{owner}/{name}/months[/{YYYY-MM}]} from the {@code monthly-activity} store. A repository's
 * months live on several partitions, so with several instances the answer is gathered from all of them: this
 * one (the instance whose {@code application.server} host and port are its own) from its store, every other one
 * asked with {@code ?local=true}. An answer is complete or not given: while a rebalance is in progress, or when
 * an instance does not answer, it is 503 with {@code Retry-After}. Also {@code /health/live} and
 * {@code /health/ready} for probes.
 */
final class MonthlyActivityQueryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonthlyActivityQueryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/repos/([^/]+)/([^/]+)/months(?:/([^/]+))?/?$");
    /** Seconds a client should wait before asking again after a 503 (a rebalance takes a few seconds). */
    static final int RETRY_AFTER_SECONDS = 2;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "query-api");
        t.setDaemon(true);
        return t;
    });
    // Its own (daemon) threads: a request thread waits on it, so sharing the request pool could starve both.
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile KafkaStreams streams;
    private volatile HostInfo self;
    private volatile SkippedRecords skipped;
    private boolean started;

    private MonthlyActivityQueryServer(HttpServer server) {
        this.server = server;
    }

    static MonthlyActivityQueryServer bind(String host, int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            return new MonthlyActivityQueryServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for the query API: " + e.getMessage(), e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    /**
     * Starts answering. {@code self} is this instance's {@code application.server} (how the others reach it);
     * {@code skipped} is reported by the health probes.
     */
    synchronized void start(KafkaStreams streams, HostInfo self, SkippedRecords skipped) {
        this.streams = streams;
        this.self = self;
        this.skipped = skipped;
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        started = true;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, error("only GET is supported"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/health/live") || path.equals("/health/ready")) {
                health(exchange, path.endsWith("ready"));
                return;
            }
            Matcher m = PATH.matcher(path);
            if (!m.matches()) {
                send(exchange, 404, error("unknown path; use /repos/{owner}/{name}/months[/{YYYY-MM}], /health/live or /health/ready"));
                return;
            }
            RepositoryName repo;
            try {
                repo = RepositoryName.parse(m.group(1) + "/" + m.group(2));
            } catch (IllegalArgumentException e) {
                send(exchange, 400, error(e.getMessage()));
                return;
            }
            String month = m.group(3);
            if (month != null && !RecordKeys.isMonth(month)) {
                send(exchange, 400, error("invalid month '" + month + "': expected YYYY-MM"));
                return;
            }
            boolean localOnly = "local=true".equals(exchange.getRequestURI().getQuery());
            Map<String, ObjectNode> rows;
            try {
                rows = localOnly ? completeLocalRows(repo.fullName()) : allRows(repo.fullName());
            } catch (NotQueryableException e) {
                LOG.info("query for {} answered 503: {}", repo, e.getMessage());
                exchange.getResponseHeaders().set("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
                send(exchange, 503, error("the answer would be incomplete: " + e.getMessage() + "; retry in "
                        + RETRY_AFTER_SECONDS + " s"));
                return;
            }
            if (localOnly) {
                ArrayNode array = JSON.createArrayNode();
                rows.values().forEach(array::add);
                send(exchange, 200, array);
            } else if (month != null) {
                ObjectNode row = rows.get(month);
                send(exchange, row == null ? 404 : 200, row == null ? error("no activity of " + repo + " in " + month) : row);
            } else if (rows.isEmpty()) {
                send(exchange, 404, error("no activity known for " + repo));
            } else {
                ObjectNode body = JSON.createObjectNode();
                body.put("repo", repo.fullName());
                ArrayNode months = body.putArray("months");
                rows.values().forEach(months::add);
                send(exchange, 200, body);
            }
        }
    }

    /**
     * For orchestrators' probes: live = the streams run or rebalance (503 once they are in ERROR, e.g. after
     * repeated stream-thread failures, or stopped: a restart is what helps then); ready = RUNNING, i.e. the stores
     * answer queries. Both also say how many input records this instance skipped into the dead-letter topic.
     */
    private void health(HttpExchange exchange, boolean ready) throws IOException {
        KafkaStreams.State state = streams.state();
        boolean ok = ready ? state == KafkaStreams.State.RUNNING : state.isRunningOrRebalancing();
        send(exchange, ok ? 200 : 503, JSON.createObjectNode().put("state", state.name())
                .put("skipped_records", skipped == null ? 0 : skipped.count()));
    }

    /** This instance's rows, only while no rebalance is under way (before and after reading). */
    private Map<String, ObjectNode> completeLocalRows(String repo) {
        requireRunning("this instance");
        Map<String, ObjectNode> rows = localRows(repo);
        requireRunning("this instance");
        return rows;
    }

    private void requireRunning(String who) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new NotQueryableException(who + " is " + state + (state == KafkaStreams.State.REBALANCING
                    ? " (partitions are moving between instances)" : ""));
        }
    }

    private Map<String, ObjectNode> localRows(String repo) {
        Map<String, ObjectNode> rows = new TreeMap<>();
        try {
            ReadOnlyKeyValueStore<String, MonthlyActivity> store = streams.store(StoreQueryParameters.fromNameAndType(
                    MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE, QueryableStoreTypes.<String, MonthlyActivity>keyValueStore()));
            try (KeyValueIterator<String, MonthlyActivity> it = store.prefixScan(repo + "|", new StringSerializer())) {
                while (it.hasNext()) {
                    KeyValue<String, MonthlyActivity> kv = it.next();
                    if (kv.value != null && RecordKeys.repoOfMonthly(kv.key).equals(repo)) {
                        rows.put(kv.value.getMonth(), toJson(kv.value));
                    }
                }
            }
        } catch (InvalidStateStoreException e) {
            throw new NotQueryableException("the store of this instance is not queryable (" + e.getMessage() + ")");
        }
        return rows;
    }

    /**
     * Every instance hosting a part of the store, each once: this one by its own {@code application.server}
     * (host and port: instances on different hosts share a port), the others over HTTP.
     */
    private Map<String, ObjectNode> allRows(String repo) {
        requireRunning("this instance");
        Map<String, ObjectNode> rows = new TreeMap<>();
        for (StreamsMetadata instance : streams.streamsMetadataForStore(MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE)) {
            HostInfo host = instance.hostInfo();
            rows.putAll(host.equals(self) ? localRows(repo) : remoteRows(host, repo));
        }
        requireRunning("this instance"); // a rebalance that began meanwhile may have moved a partition past us
        return rows;
    }

    private Map<String, ObjectNode> remoteRows(HostInfo host, String repo) {
        String instance = host.host() + ":" + host.port();
        URI uri = URI.create("http://" + instance + "/repos/" + repo + "/months?local=true");
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            Map<String, ObjectNode> rows = new TreeMap<>();
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new NotQueryableException("instance " + instance + " answered " + response.statusCode());
                }
                for (var node : JSON.readTree(body)) {
                    rows.put(node.get("month").asText(), (ObjectNode) node);
                }
            }
            return rows;
        } catch (IOException e) {
            throw new NotQueryableException("instance " + instance + " unreachable (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotQueryableException("interrupted while asking instance " + instance);
        }
    }

    static ObjectNode toJson(MonthlyActivity a) {
        return MonthlyActivityColumn.toJson(a);
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops listening and ends the request threads; safe to call when never started. */
    @Override
    public synchronized void close() {
        if (!started) {
            // HttpServer.stop() releases the listening socket only of a started server (JDK 17).
            server.setExecutor(executor);
            server.start();
            started = true;
        }
        server.stop(0);
        executor.shutdownNow();
    }

    /** The answer cannot be complete right now (rebalance, an instance down); the client should retry. */
    private static final class NotQueryableException extends RuntimeException {
        NotQueryableException(String message) {
            super(message);
        }
    }
}
