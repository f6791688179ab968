package dev.ghactivity.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.MonthlyActivityColumn;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.RepositoryState;
import dev.ghactivity.schemas.RepositoryStateJson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
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
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams-app's HTTP server (Jetty, the version connect-runtime brings: one Jetty in the fat jar).
 * {@code GET /repos/{owner}/{name}/months[/{YYYY-MM}]} from the {@code monthly-activity} store. A repository's
 * months live on several partitions, so with several instances the answer is gathered from all of them: this
 * one (the instance whose {@code application.server} host and port are its own) from its store, every other one
 * asked with {@code ?local=true}. An answer is complete or not given: while a rebalance is in progress, or when
 * an instance does not answer, it is 503 with {@code Retry-After}. {@code GET /repos} lists the repositories
 * with data the same way, with where the producers stand with each tracked one ({@link RepositoryStateView}); a
 * repository tracked but not counted yet answers {@code 202} with its state instead of 404. Also
 * {@code /health/live} and {@code /health/ready} for probes, {@code /metrics} (Prometheus text format) and the
 * dashboard at {@code /} ({@link DashboardResources}).
 * {@code HEAD} answers like {@code GET} without a body; any other method is 405, an unknown path 404 (JSON).
 */
final class MonthlyActivityQueryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonthlyActivityQueryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/repos/([^/]+)/([^/]+)/months(?:/([^/]+))?/?$");
    private static final String JSON_TYPE = "application/json";
    /** Prometheus text exposition format 0.0.4. */
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Seconds a client should wait before asking again after a 503 (a rebalance takes a few seconds). */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Server server;
    private final ServerConnector connector;
    // Its own (daemon) threads: a request thread waits on it, so sharing the request pool could starve both.
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile KafkaStreams streams;
    private volatile HostInfo self;
    private volatile SkippedRecords skipped;
    private volatile Supplier<String> metrics = () -> "";
    /** Null: no repository states known (tests of the HTTP layer alone). */
    private volatile RepositoryStateView states;
    /** A failure of a part beside the streams (the local stack's sinks): the probes answer 503 with it. */
    private volatile Supplier<Optional<String>> otherFailure = Optional::empty;
    private boolean started;

    private MonthlyActivityQueryServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Listens on {@code host:port} (0: any free port) at once, so the port is known before {@link #start}. */
    static MonthlyActivityQueryServer bind(String host, int port) {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("query-api");
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        try {
            connector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for the query API: " + e.getMessage(), e);
        }
        return new MonthlyActivityQueryServer(server, connector);
    }

    int port() {
        return connector.getLocalPort();
    }

    /**
     * Starts answering. {@code self} is this instance's {@code application.server} (how the others reach it);
     * {@code skipped} is reported by the health probes; {@code registry} is scraped by {@code /metrics}.
     */
    synchronized void start(KafkaStreams streams, HostInfo self, SkippedRecords skipped, PrometheusMeterRegistry registry) {
        this.metrics = registry == null ? () -> "" : registry::scrape;
        start(streams, self, skipped);
    }

    /** Where the producers stand with each tracked repository ({@code GET /repos}, the {@code 202} of {@code /months}). */
    synchronized void start(KafkaStreams streams, HostInfo self, SkippedRecords skipped, PrometheusMeterRegistry registry,
                            RepositoryStateView states) {
        this.states = states;
        start(streams, self, skipped, registry);
    }

    synchronized void start(KafkaStreams streams, HostInfo self, SkippedRecords skipped) {
        this.streams = streams;
        this.self = self;
        this.skipped = skipped;
        server.setHandler(new Routes());
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the query API on port " + port() + ": " + e.getMessage(), e);
        }
        started = true;
    }

    /** The routes; {@code HEAD} goes the same way as {@code GET}, Jetty leaves the body out. */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            try {
                String method = request.getMethod();
                if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
                    response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                    send(response, callback, 405, error("only GET and HEAD are supported"));
                    return true;
                }
                route(request, response, callback);
            } catch (RuntimeException | IOException e) {
                LOG.error("query API failed on {}: {}", request.getHttpURI().getPath(), e.toString(), e);
                sendQuietly(response, callback, 500, error("internal error: " + e));
            }
            return true;
        }
    }

    private void route(Request request, Response response, Callback callback) throws IOException {
        String path = request.getHttpURI().getPath();
        boolean localOnly = "local=true".equals(request.getHttpURI().getQuery());
        if (path.equals("/health/live") || path.equals("/health/ready")) {
            health(response, callback, path.endsWith("ready"));
            return;
        }
        if (path.equals("/metrics")) {
            send(response, callback, 200, PROMETHEUS_TYPE, metrics.get().getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (path.equals("/repos") || path.equals("/repos/")) {
            repositories(response, callback, localOnly);
            return;
        }
        DashboardResources.Resource resource = DashboardResources.find(path);
        if (resource != null) {
            send(response, callback, 200, resource.contentType(), resource.bytes());
            return;
        }
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            send(response, callback, 404, error("unknown path; use /repos/{owner}/{name}/months[/{YYYY-MM}], /repos, "
                    + "/health/live, /health/ready, /metrics or / (the dashboard)"));
            return;
        }
        RepositoryName repo;
        try {
            repo = RepositoryName.parse(m.group(1) + "/" + m.group(2));
        } catch (IllegalArgumentException e) {
            send(response, callback, 400, error(e.getMessage()));
            return;
        }
        String month = m.group(3);
        if (month != null && !RecordKeys.isMonth(month)) {
            send(response, callback, 400, error("invalid month '" + month + "': expected YYYY-MM"));
            return;
        }
        Map<String, ObjectNode> rows;
        try {
            rows = localOnly ? completeLocal(() -> localRows(repo.fullName()))
                    : gather(() -> localRows(repo.fullName()), "/repos/" + repo.fullName() + "/months", "month", (a, b) -> b);
        } catch (NotQueryableException e) {
            unavailable(response, callback, repo.toString(), e);
            return;
        }
        if (localOnly) {
            ArrayNode array = JSON.createArrayNode();
            rows.values().forEach(array::add);
            send(response, callback, 200, array);
        } else if (rows.isEmpty()) {
            notCounted(response, callback, repo);
        } else if (month != null) {
            ObjectNode row = rows.get(month);
            send(response, callback, row == null ? 404 : 200, row == null ? error("no activity of " + repo + " in " + month) : row);
        } else {
            ObjectNode body = JSON.createObjectNode();
            body.put("repo", repo.fullName());
            ArrayNode months = body.putArray("months");
            rows.values().forEach(months::add);
            send(response, callback, 200, body);
        }
    }

    /**
     * A repository with no counted month: {@code 202} with its state ({@link RepositoryStateJson}) when a producer
     * tracks it (tracked, not counted yet: backfilling, waiting for the streams-app, or with nothing to count), else
     * 404; 503 while this instance has not read the repository states yet.
     */
    private void notCounted(Response response, Callback callback, RepositoryName repo) throws IOException {
        RepositoryStateView view = states;
        if (view != null && !view.ready()) {
            unavailable(response, callback, repo.toString(), new NotQueryableException(view.notReadyReason()));
            return;
        }
        RepositoryState state = view == null ? null : view.get(repo.fullName());
        if (state == null) {
            send(response, callback, 404, error("no activity known for " + repo));
        } else {
            send(response, callback, 202, RepositoryStateJson.toJson(state));
        }
    }

    /**
     * {@code GET /repos}: {@code {"repos":[{"repo":"o/n", "state":..., "reason":..., "last_successful_poll":...,
     * "reported_at":..., "listings":[...], "months":12, "first_month":"YYYY-MM", "last_month":"YYYY-MM",
     * "updated_at":"<ISO instant>"}]}}, sorted by name: every repository a producer tracks (its state as
     * {@link RepositoryStateJson} gives it) and every repository this application has counted activity of (how many
     * months, and when their latest row changed). A field not known is null: the state of a repository no producer
     * tracks (any more), the months of one not counted yet (0 months). {@code ?local=true} (asked by the other
     * instances) answers this instance's count summaries only: every instance reads the states itself.
     */
    private void repositories(Response response, Callback callback, boolean localOnly) throws IOException {
        Map<String, ObjectNode> repos;
        try {
            repos = localOnly ? completeLocal(this::localRepositories)
                    : gather(this::localRepositories, "/repos", "repo", MonthlyActivityQueryServer::mergeSummaries);
            if (!localOnly && states != null && !states.ready()) {
                throw new NotQueryableException(states.notReadyReason());
            }
        } catch (NotQueryableException e) {
            unavailable(response, callback, "the repository list", e);
            return;
        }
        ArrayNode array = JSON.createArrayNode();
        if (localOnly) {
            repos.values().forEach(array::add);
            send(response, callback, 200, array);
            return;
        }
        Map<String, RepositoryState> tracked = states == null ? Map.of() : states.all();
        java.util.SortedSet<String> names = new java.util.TreeSet<>(repos.keySet());
        names.addAll(tracked.keySet());
        for (String name : names) {
            array.add(repositoryEntry(name, tracked.get(name), repos.get(name)));
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("repos", array);
        send(response, callback, 200, body);
    }

    /** One entry of {@code GET /repos}: the state (null fields when not tracked), then the counts (0 months when none). */
    private static ObjectNode repositoryEntry(String repo, RepositoryState state, ObjectNode counts) {
        ObjectNode entry = JSON.createObjectNode().put("repo", repo);
        if (state != null) {
            RepositoryStateJson.putState(entry, state);
        } else {
            entry.putNull("state").putNull("reason").putNull("last_successful_poll").putNull("reported_at");
            entry.putArray("listings");
        }
        if (counts != null) {
            entry.set("months", counts.get("months"));
            entry.set("first_month", counts.get("first_month"));
            entry.set("last_month", counts.get("last_month"));
            entry.set("updated_at", counts.get("updated_at"));
        } else {
            entry.put("months", 0).putNull("first_month").putNull("last_month").putNull("updated_at");
        }
        return entry;
    }

    private void unavailable(Response response, Callback callback, String what, NotQueryableException e) throws IOException {
        LOG.info("query for {} answered 503: {}", what, e.getMessage());
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        send(response, callback, 503, error("the answer would be incomplete: " + e.getMessage() + "; retry in "
                + RETRY_AFTER_SECONDS + " s"));
    }

    /**
     * For orchestrators' probes: live = the streams run or rebalance (503 once they are in ERROR, e.g. after
     * repeated stream-thread failures, or stopped: a restart is what helps then); ready = RUNNING, i.e. the stores
     * answer queries. Both also say how many input records this instance skipped into the dead-letter topic.
     */
    private void health(Response response, Callback callback, boolean ready) throws IOException {
        KafkaStreams.State state = streams.state();
        Optional<String> failure = otherFailure.get();
        boolean ok = failure.isEmpty() && (ready ? state == KafkaStreams.State.RUNNING : state.isRunningOrRebalancing());
        ObjectNode body = JSON.createObjectNode().put("state", state.name()).put("skipped_records", skipped == null ? 0 : skipped.count());
        failure.ifPresent(f -> body.put("failure", f));
        send(response, callback, ok ? 200 : 503, body);
    }

    /** Makes both probes answer 503, with the reason as {@code failure}, while {@code check} gives one. */
    void otherFailure(Supplier<Optional<String>> check) {
        this.otherFailure = check;
    }

    /** This instance's part, only while no rebalance is under way (before and after reading). */
    private <T> T completeLocal(Supplier<T> read) {
        requireRunning("this instance");
        T result = read.get();
        requireRunning("this instance");
        return result;
    }

    private void requireRunning(String who) {
        KafkaStreams.State state = streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new NotQueryableException(who + " is " + state + (state == KafkaStreams.State.REBALANCING
                    ? " (partitions are moving between instances)" : ""));
        }
    }

    private ReadOnlyKeyValueStore<String, MonthlyActivity> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(
                MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE, QueryableStoreTypes.<String, MonthlyActivity>keyValueStore()));
    }

    private Map<String, ObjectNode> localRows(String repo) {
        Map<String, ObjectNode> rows = new TreeMap<>();
        try (KeyValueIterator<String, MonthlyActivity> it = store().prefixScan(repo + "|", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, MonthlyActivity> kv = it.next();
                if (kv.value != null && RecordKeys.repoOfMonthly(kv.key).equals(repo)) {
                    rows.put(kv.value.getMonth(), toJson(kv.value));
                }
            }
        } catch (InvalidStateStoreException e) {
            throw new NotQueryableException("the store of this instance is not queryable (" + e.getMessage() + ")");
        }
        return rows;
    }

    /** One summary per repository of this instance's rows (see {@link #repositories}). */
    private Map<String, ObjectNode> localRepositories() {
        Map<String, ObjectNode> repos = new TreeMap<>();
        try (KeyValueIterator<String, MonthlyActivity> it = store().all()) {
            while (it.hasNext()) {
                KeyValue<String, MonthlyActivity> kv = it.next();
                if (kv.value == null) {
                    continue;
                }
                ObjectNode one = JSON.createObjectNode().put("repo", kv.value.getRepo()).put("months", 1)
                        .put("first_month", kv.value.getMonth()).put("last_month", kv.value.getMonth())
                        .put("updated_at", kv.value.getUpdatedAt().toString());
                repos.merge(kv.value.getRepo(), one, MonthlyActivityQueryServer::mergeSummaries);
            }
        } catch (InvalidStateStoreException e) {
            throw new NotQueryableException("the store of this instance is not queryable (" + e.getMessage() + ")");
        }
        return repos;
    }

    /** Two summaries of one repository's months from disjoint partitions: counts add, bounds widen. */
    private static ObjectNode mergeSummaries(ObjectNode a, ObjectNode b) {
        return JSON.createObjectNode().put("repo", a.get("repo").asText())
                .put("months", a.get("months").asLong() + b.get("months").asLong())
                .put("first_month", min(a, b, "first_month")).put("last_month", max(a, b, "last_month"))
                .put("updated_at", max(a, b, "updated_at"));
    }

    private static String min(JsonNode a, JsonNode b, String field) {
        String x = a.get(field).asText();
        String y = b.get(field).asText();
        return x.compareTo(y) <= 0 ? x : y;
    }

    private static String max(JsonNode a, JsonNode b, String field) {
        String x = a.get(field).asText();
        String y = b.get(field).asText();
        return x.compareTo(y) >= 0 ? x : y;
    }

    /**
     * Every instance hosting a part of the store, each once: this one by its own {@code application.server}
     * (host and port: instances on different hosts share a port), the others over HTTP at {@code path?local=true}
     * (a JSON array of objects keyed by {@code keyField}); entries of one key from several instances are merged.
     */
    private Map<String, ObjectNode> gather(Supplier<Map<String, ObjectNode>> local, String path, String keyField,
                                           java.util.function.BinaryOperator<ObjectNode> merge) {
        requireRunning("this instance");
        Map<String, ObjectNode> all = new TreeMap<>();
        BiConsumer<String, ObjectNode> add = (key, node) -> all.merge(key, node, merge);
        for (StreamsMetadata instance : streams.streamsMetadataForStore(MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE)) {
            HostInfo host = instance.hostInfo();
            (host.equals(self) ? local.get() : remote(host, path, keyField)).forEach(add);
        }
        requireRunning("this instance"); // a rebalance that began meanwhile may have moved a partition past us
        return all;
    }

    private Map<String, ObjectNode> remote(HostInfo host, String path, String keyField) {
        String instance = host.host() + ":" + host.port();
        URI uri = URI.create("http://" + instance + path + "?local=true");
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            Map<String, ObjectNode> rows = new TreeMap<>();
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new NotQueryableException("instance " + instance + " answered " + response.statusCode());
                }
                for (var node : JSON.readTree(body)) {
                    rows.put(node.get(keyField).asText(), (ObjectNode) node);
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

    private static void send(Response response, Callback callback, int status, Object body) throws IOException {
        send(response, callback, status, JSON_TYPE, JSON.writeValueAsBytes(body));
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] bytes) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    private static void sendQuietly(Response response, Callback callback, int status, ObjectNode body) {
        try {
            send(response, callback, status, body);
        } catch (IOException | RuntimeException e) {
            callback.failed(e);
        }
    }

    /** Stops listening and ends the request threads; safe to call when never started. */
    @Override
    public synchronized void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.info("query API stopped with {}", e.toString());
        }
        if (!started) {
            connector.close(); // bound in bind(), never started: stop() alone leaves the socket open
        }
        started = false;
    }

    /** The answer cannot be complete right now (rebalance, an instance down); the client should retry. */
    private static final class NotQueryableException extends RuntimeException {
        NotQueryableException(String message) {
            super(message);
        }
    }
}
