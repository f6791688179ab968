package dev.ghactivity.producer;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The producer's own {@code GET /metrics} (Prometheus text format 0.0.4) on {@code --metrics-port}, for a producer
 * that runs alone, and {@code GET /repos} (where each tracked repository stands, JSON, once
 * {@link #serveRepositories} gave it); on Jetty, the version connect-runtime brings. Any other path is 404, other
 * methods 405.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final String UNKNOWN_PATH = "{\"error\":\"unknown path; use /metrics or /repos\"}";
    private final Server server;
    private final ServerConnector connector;
    private final AtomicReference<Supplier<byte[]>> repositories;

    private MetricsEndpoint(Server server, ServerConnector connector, AtomicReference<Supplier<byte[]>> repositories) {
        this.server = server;
        this.connector = connector;
        this.repositories = repositories;
    }

    /** Serves {@code GET /repos} from {@code json} (the endpoint starts before the producer it reports on). */
    public MetricsEndpoint serveRepositories(Supplier<byte[]> json) {
        repositories.set(json);
        return this;
    }

    /** Serves {@code registry} on {@code host:port} (0: any free port) until closed. */
    public static MetricsEndpoint start(String host, int port, PrometheusMeterRegistry registry) {
        QueuedThreadPool threads = new QueuedThreadPool(4, 1);
        threads.setName("producer-metrics");
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        AtomicReference<Supplier<byte[]>> repositories = new AtomicReference<>();
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String method = request.getMethod();
                String path = request.getHttpURI().getPath();
                boolean metrics = "/metrics".equals(path);
                Supplier<byte[]> repos = "/repos".equals(path) ? repositories.get() : null;
                int status = !HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method) ? 405 : metrics || repos != null ? 200 : 404;
                byte[] bytes = status == 200 ? (metrics ? registry.scrape().getBytes(StandardCharsets.UTF_8) : repos.get())
                        : (status == 405 ? "{\"error\":\"only GET and HEAD are supported\"}" : UNKNOWN_PATH).getBytes(StandardCharsets.UTF_8);
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, status == 200 && metrics
                        ? "text/plain; version=0.0.4; charset=utf-8" : "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
                response.write(true, ByteBuffer.wrap(bytes), callback);
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start failure is what matters
            }
            throw new IllegalStateException("cannot serve /metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new MetricsEndpoint(server, connector, repositories);
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the /metrics endpoint failed: " + e.getMessage(), e);
        }
    }
}
