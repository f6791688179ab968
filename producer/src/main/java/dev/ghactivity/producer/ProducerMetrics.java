package dev.ghactivity.producer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import org.apache.kafka.clients.producer.Producer;

/**
 * The producer's meters, named for Prometheus ({@code ghactivity_} prefix, units in the name, {@code _total}
 * counters once exported by a Prometheus registry):
 * <ul>
 *   <li>{@code ghactivity_github_requests_total{listing,status}}: every HTTP request sent to GitHub, retries and
 *       redirects included; {@code status} is the HTTP status, or {@code io_error} when no answer came.</li>
 *   <li>{@code ghactivity_github_not_modified_total{listing}}: 304 answers (the page's ETag still matched: no
 *       rate-limit cost).</li>
 *   <li>{@code ghactivity_github_rate_limit_remaining{token}}: {@code X-RateLimit-Remaining} of the last answer;
 *       {@code token} is the token's position ({@code "1"}; {@code "0"} when unauthenticated), never the token.</li>
 *   <li>{@code ghactivity_items_published_total{listing}}: commits and issues in committed transactions.</li>
 *   <li>{@code ghactivity_poll_duration_seconds{outcome}}: one repository's poll (both listings).</li>
 *   <li>{@code ghactivity_poll_last_success_timestamp_seconds{repo}}: when each repository was last read
 *       completely (freshness: alert on {@code time() - this}).</li>
 * </ul>
 * {@code listing} is the API path's resource after {@code /repos/{owner}/{name}/}: {@code commits}, {@code issues},
 * {@code compare}, {@code issue} (one issue), or {@code repo} (the repository itself).
 */
public final class ProducerMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
    private final AtomicLong rateLimitRemaining = new AtomicLong(-1);
    private boolean rateLimitRegistered;
    private KafkaClientMetrics kafkaBinder;

    public ProducerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * A Prometheus registry whose every meter name starts with {@code ghactivity_} (the Kafka client binder's
     * {@code kafka_producer_*} become {@code ghactivity_kafka_producer_*}).
     */
    public static PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("ghactivity.") ? id : id.withName("ghactivity." + id.getName());
            }
        });
        return registry;
    }

    /** Kafka's own producer metrics (Micrometer's {@link KafkaClientMetrics}), until {@link #close()}. */
    synchronized void bindKafka(Producer<?, ?> producer) {
        kafkaBinder = new KafkaClientMetrics(producer);
        kafkaBinder.bindTo(registry);
    }

    /** Unbinds the Kafka client's metrics. */
    synchronized void close() {
        if (kafkaBinder != null) {
            kafkaBinder.close();
            kafkaBinder = null;
        }
    }

    /** Meters kept in memory only: for a producer whose metrics nobody scrapes. */
    public static ProducerMetrics unscraped() {
        return new ProducerMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    void request(HttpUrl url, String status) {
        String listing = listing(url);
        Counter.builder("ghactivity.github.requests").description("HTTP requests sent to the GitHub API, retries and redirects included")
                .tag("listing", listing).tag("status", status).register(registry).increment();
        if ("304".equals(status)) {
            Counter.builder("ghactivity.github.not.modified").description("GitHub answers 304 Not Modified (ETag matched)")
                    .tag("listing", listing).register(registry).increment();
        }
    }

    synchronized void rateLimitRemaining(int remaining, boolean authenticated) {
        rateLimitRemaining.set(remaining);
        if (!rateLimitRegistered) {
            Gauge.builder("ghactivity.github.rate.limit.remaining", rateLimitRemaining, AtomicLong::get)
                    .description("X-RateLimit-Remaining of the last GitHub answer, by token position (never the token)")
                    .tag("token", authenticated ? "1" : "0").register(registry);
            rateLimitRegistered = true;
        }
    }

    /**
     * A poll (or a backfill slice) of one repository ended; {@code readToTheEnd}: every listing was read to its end, so
     * the freshness gauge moves (a slice of an unfinished backfill ingested what it read, but the repository is not fresh).
     */
    void repositoryPolled(IngestReport.RepositoryReport report, Duration took, Instant at, boolean readToTheEnd) {
        Counter.builder("ghactivity.items.published").description("Items published in committed transactions")
                .tag("listing", "commits").register(registry).increment(report.commits());
        Counter.builder("ghactivity.items.published").description("Items published in committed transactions")
                .tag("listing", "issues").register(registry).increment(report.issues());
        Timer.builder("ghactivity.poll.duration").description("Time to poll one repository (both listings)")
                .tag("outcome", report.outcome().name().toLowerCase(java.util.Locale.ROOT)).register(registry).record(took);
        if (report.outcome() == IngestReport.Outcome.INGESTED && readToTheEnd) {
            lastSuccess.computeIfAbsent(report.repo(), repo -> {
                AtomicLong seconds = new AtomicLong();
                Gauge.builder("ghactivity.poll.last.success.timestamp", seconds, AtomicLong::get).baseUnit("seconds")
                        .description("When the repository was last read completely (Unix time)")
                        .tag("repo", repo).register(registry);
                return seconds;
            }).set(at.getEpochSecond());
        }
    }

    /**
     * The resource of a {@code /repos/{owner}/{name}/...} URL, or of a {@code /repositories/{id}/...} one (GitHub's
     * {@code Link} URLs of later pages); an Enterprise prefix such as {@code /api/v3} is allowed.
     */
    static String listing(HttpUrl url) {
        List<String> segments = url.pathSegments();
        int repos = segments.indexOf("repos");
        int byId = segments.indexOf("repositories");
        int resource = repos >= 0 ? repos + 3 : byId >= 0 ? byId + 2 : -1;
        if (resource < 0 || segments.size() < resource) {
            return "other";
        }
        if (segments.size() == resource) {
            return "repo";
        }
        String name = segments.get(resource);
        return name.equals("issues") && segments.size() > resource + 1 ? "issue" : name;
    }
}
