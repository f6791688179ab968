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
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /repos/{owner}/{name}/months[/{YYYY-MM}]} from the {@code monthly-activity} store. A repository's
 * months live on several partitions, so with several instances the answer is gathered from all of them
 * (each asked with {@code ?local=true}). Also {@code /health/live} and {@code /health/ready} for probes.
 */
final class MonthlyActivityQueryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonthlyActivityQueryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/repos/([^/]+)/([^/]+)/months(?:/([^/]+))?/?$");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile KafkaStreams streams;

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

    void start(KafkaStreams streams) {
        this.streams = streams;
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "query-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
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
                rows = localOnly ? localRows(repo.fullName()) : allRows(repo.fullName());
            } catch (RuntimeException e) {
                LOG.warn("query for {} failed: {}", repo, e.toString());
                send(exchange, 503, error("state not queryable right now (" + e.getMessage() + "); retry shortly"));
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
     * For orchestrators' probes: live = the streams run or rebalance (a restart will not help otherwise: 503 once
     * they are in ERROR or stopped); ready = RUNNING, i.e. the stores answer queries.
     */
    private void health(HttpExchange exchange, boolean ready) throws IOException {
        KafkaStreams.State state = streams.state();
        boolean ok = ready ? state == KafkaStreams.State.RUNNING : state.isRunningOrRebalancing();
        send(exchange, ok ? 200 : 503, JSON.createObjectNode().put("state", state.name()));
    }

    private Map<String, ObjectNode> localRows(String repo) {
        ReadOnlyKeyValueStore<String, MonthlyActivity> store = streams.store(StoreQueryParameters.fromNameAndType(
                MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE, QueryableStoreTypes.<String, MonthlyActivity>keyValueStore()));
        Map<String, ObjectNode> rows = new TreeMap<>();
        try (KeyValueIterator<String, MonthlyActivity> it = store.prefixScan(repo + "|", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, MonthlyActivity> kv = it.next();
                if (kv.value != null && RecordKeys.repoOfMonthly(kv.key).equals(repo)) {
                    rows.put(kv.value.getMonth(), toJson(kv.value));
                }
            }
        }
        return rows;
    }

    private Map<String, ObjectNode> allRows(String repo) {
        Map<String, ObjectNode> rows = new TreeMap<>(localRows(repo));
        for (StreamsMetadata instance : streams.streamsMetadataForStore(MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE)) {
            HostInfo host = instance.hostInfo();
            if (host.port() == port() || instance.equals(streams.metadataForLocalThreads())) {
                continue;
            }
            rows.putAll(remoteRows(host, repo));
        }
        return rows;
    }

    private Map<String, ObjectNode> remoteRows(HostInfo host, String repo) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + "/repos/" + repo + "/months?local=true");
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            Map<String, ObjectNode> rows = new TreeMap<>();
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("instance " + host + " answered " + response.statusCode());
                }
                for (var node : JSON.readTree(body)) {
                    rows.put(node.get("month").asText(), (ObjectNode) node);
                }
            }
            return rows;
        } catch (IOException e) {
            throw new IllegalStateException("instance " + host + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
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

    @Override
    public void close() {
        server.stop(0);
    }
}
