package dev.ghactivity.producer.webhook;

import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.TrackedRepositories;
import dev.ghactivity.schemas.RepositoryName;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/github}: GitHub webhook deliveries, answered 2xx only once their events are committed to Kafka.
 * In order: 404 (another path), 405 (not POST), 413 (over 25 MB, GitHub's cap, by Content-Length and while reading),
 * 415 (not {@code application/json}, after the body was read; form-encoded deliveries get a message saying to
 * switch), 401 (a missing or
 * wrong {@code X-Hub-Signature-256}, checked before anything is parsed), 400 (no event header, or a body that is not
 * the event's payload), 202 (ping, another branch, an unconfigured repository, an unused event: nothing published,
 * counted), 503 (Kafka did not commit within the bounded wait: GitHub shows a failed delivery, redeliver it), 200.
 * Runs on Jetty, the one connect-runtime brings.
 *
 * <p>Counted as deliveries: what reached {@code POST /webhooks/github}. A request to another path (404) or with another
 * method (405, e.g. a browser's GET) is no delivery and is not counted. A delivery whose {@code X-GitHub-Delivery} was
 * committed before (GitHub's "Redeliver", remembered for the last 10 000 ids of this process) is counted as
 * {@code redelivered}, not committed again.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** The path deliveries are POSTed to. */
    public static final String PATH = "/webhooks/github";
    /** GitHub caps a delivery's payload at 25 MB (docs.github.com, "Webhook events and payloads"). */
    static final int MAX_BODY_BYTES = 25 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final int REMEMBERED_DELIVERIES = 10_000;

    private final WebhookSettings settings;
    private final WebhookEventMapper mapper;
    private final WebhookPublisher publisher;
    private final PushComparison comparison;
    private final Server server;
    private final ServerConnector connector;
    private final Set<String> committedDeliveries = Collections.newSetFromMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_DELIVERIES;
        }
    });
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private WebhookReceiver(ProducerAppConfig config, WebhookSettings settings, TrackedRepositories tracked) {
        this.settings = settings;
        this.mapper = new WebhookEventMapper(tracked, config.clock());
        this.publisher = new WebhookPublisher(config, settings.maxWait());
        this.comparison = new PushComparison(config, publisher);
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("webhook");
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);
        server.setHandler(new DeliveryHandler());
    }

    /**
     * Starts listening; logs {@code webhook receiver listening on http://HOST:PORT/webhooks/github} once.
     *
     * @throws IllegalStateException when the port cannot be bound
     */
    public static WebhookReceiver start(ProducerAppConfig config, WebhookSettings settings) {
        List<RepositoryName> named = config.repositories();
        return start(config, settings, () -> named);
    }

    /** Like {@link #start(ProducerAppConfig, WebhookSettings)}, for the repositories {@code tracked} holds at each delivery. */
    public static WebhookReceiver start(ProducerAppConfig config, WebhookSettings settings, TrackedRepositories tracked) {
        WebhookReceiver receiver = new WebhookReceiver(config, settings, tracked);
        try {
            receiver.server.start();
        } catch (Exception e) {
            receiver.close();
            throw new IllegalStateException("cannot start the webhook receiver on " + settings.host() + ":" + settings.port()
                    + ": " + e.getMessage() + "; choose another --webhook-port", e);
        }
        LOG.info("webhook receiver listening on http://{}:{}{}", settings.host(), receiver.port(), PATH);
        return receiver;
    }

    /** The bound port (the chosen one when started with 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** Deliveries whose events were committed. */
    public long committedDeliveries() {
        return committed.get();
    }

    /** Deliveries whose {@code X-GitHub-Delivery} was committed before by this process: answered 200, nothing published. */
    public long redeliveredDeliveries() {
        return redelivered.get();
    }

    /**
     * Waits until the receiver's Kafka producer initialised its transactional.id, which aborts any transaction a killed
     * predecessor left open (it would hold every read_committed reader of its partitions until it timed out).
     *
     * @throws IllegalStateException one line naming the transactional.id when it could not be initialised
     */
    public WebhookReceiver awaitKafkaReady() {
        publisher.awaitInitialised(WebhookPublisher.INIT_TIMEOUT.plusSeconds(5));
        return this;
    }

    /**
     * For a start without a receiver: initialises the receiver's transactional.id {@code <id>-webhooks} once, so a
     * transaction that a killed run with a receiver left open is aborted now rather than holding read_committed readers
     * until its timeout.
     *
     * @throws IllegalStateException one line naming the transactional.id when it could not be initialised
     */
    public static void completeLeftoverTransaction(ProducerAppConfig config) {
        WebhookPublisher.completeLeftoverTransaction(config);
    }

    /** Deliveries answered 2xx with nothing to publish (ping, other branches, unconfigured repositories, unused events). */
    public long ignoredDeliveries() {
        return ignored.get();
    }

    /** Deliveries refused (401, 413, 415, 400...). */
    public long rejectedDeliveries() {
        return rejected.get();
    }

    /** Deliveries answered 503 because Kafka did not commit them. */
    public long failedDeliveries() {
        return failed.get();
    }

    /**
     * Counts deliveries in {@code registry} as {@code ghactivity_webhook_deliveries_total{result}}, result one of
     * {@code committed}, {@code redelivered} (committed before), {@code ignored}, {@code rejected} (401, 413, 415,
     * 400...) and {@code failed} (503): the same numbers as the stop summary.
     *
     * @return this receiver
     */
    public WebhookReceiver bindMetrics(MeterRegistry registry) {
        Map.of("committed", committed, "redelivered", redelivered, "ignored", ignored, "rejected", rejected, "failed", failed).forEach((result, count) ->
                FunctionCounter.builder("ghactivity.webhook.deliveries", count, AtomicLong::get)
                        .description("GitHub webhook deliveries received, by how they were answered")
                        .tag("result", result).register(registry));
        return this;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the webhook server: {}", e.toString());
        }
        comparison.close();
        publisher.close();
        LOG.info(summary());
    }

    /**
     * The stop summary, e.g. {@code webhook receiver stopped: 3 deliveries committed, 1 redelivered, 2 ignored, 1
     * refused, 0 failed}; the numbers are those of {@link #bindMetrics(MeterRegistry)}.
     */
    String summary() {
        return "webhook receiver stopped: " + committed.get() + " deliveries committed, " + redelivered.get() + " redelivered, "
                + ignored.get() + " ignored, " + rejected.get() + " refused, " + failed.get() + " failed";
    }

    private final class DeliveryHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Answer answer = answer(request);
            response.setStatus(answer.status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            if (answer.status == HttpStatus.METHOD_NOT_ALLOWED_405) {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
            }
            Content.Sink.write(response, true, answer.message + "\n", callback);
            return true;
        }
    }

    private record Answer(int status, String message) {
    }

    private Answer answer(Request request) {
        // Not deliveries (a browser, a scanner): answered, not counted.
        if (!Request.getPathInContext(request).equals(PATH)) {
            return new Answer(HttpStatus.NOT_FOUND_404, "not found: deliveries go to POST " + PATH);
        }
        if (!request.getMethod().equals("POST")) {
            return new Answer(HttpStatus.METHOD_NOT_ALLOWED_405, "deliveries are POSTed");
        }
        String event = request.getHeaders().get("X-GitHub-Event");
        String delivery = request.getHeaders().get("X-GitHub-Delivery");
        String describe = "delivery " + printable(delivery) + " (" + printable(event) + ")";
        if (request.getLength() > MAX_BODY_BYTES) {
            return tooLarge(describe, request.getLength());
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            return refuse(HttpStatus.BAD_REQUEST_400, "the body could not be read: " + e.getMessage());
        }
        if (body.length > MAX_BODY_BYTES) {
            return tooLarge(describe, body.length);
        }
        // The body is read before a refusal: an unread one can leave the connection unusable for the client's next request.
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            LOG.warn("webhook {} refused: content type {}; set the webhook's Content type to application/json on GitHub", describe,
                    printable(contentType));
            return refuse(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, mediaType.equals("application/x-www-form-urlencoded")
                    ? "form-encoded deliveries (payload=...) are not accepted: edit the webhook on GitHub and choose Content type application/json"
                    : "only application/json deliveries are accepted, not " + printable(contentType));
        }
        if (!WebhookSignature.matches(settings.secret(), body, request.getHeaders().get(WebhookSignature.HEADER))) {
            // Never the body: it comes from whoever sent it.
            LOG.warn("webhook {} refused: {} is {}; check that the secret configured here is the webhook's secret on GitHub",
                    describe, WebhookSignature.HEADER, request.getHeaders().get(WebhookSignature.HEADER) == null ? "missing" : "wrong");
            return refuse(HttpStatus.UNAUTHORIZED_401, "missing or wrong " + WebhookSignature.HEADER);
        }
        if (event == null || event.isBlank()) {
            return refuse(HttpStatus.BAD_REQUEST_400, "no X-GitHub-Event header");
        }
        if (delivery != null) {
            synchronized (committedDeliveries) {
                if (committedDeliveries.contains(delivery)) {
                    redelivered.incrementAndGet();
                    return new Answer(HttpStatus.OK_200, "delivery " + delivery + " was committed before; nothing to do");
                }
            }
        }
        WebhookEvents events;
        try {
            events = mapper.map(event, body);
        } catch (MalformedDeliveryException e) {
            LOG.warn("webhook {} refused: {}", describe, e.getMessage());
            return refuse(HttpStatus.BAD_REQUEST_400, e.getMessage());
        }
        if (events.isIgnored()) {
            ignored.incrementAndGet();
            LOG.debug("webhook {} ignored: {}", describe, events.ignored());
            return new Answer(HttpStatus.ACCEPTED_202, "ignored: " + events.ignored());
        }
        try {
            publisher.publish(events);
        } catch (KafkaException e) {
            failed.incrementAndGet();
            LOG.error("webhook {}: {} not committed to Kafka within {} ms ({}); answered 503, redeliver it from the webhook's "
                    + "Recent Deliveries once Kafka is back (the next poll also catches up)", describe, events, settings.maxWait().toMillis(), e.toString());
            return new Answer(HttpStatus.SERVICE_UNAVAILABLE_503, "could not commit the delivery's events to Kafka; redeliver it later");
        }
        committed.incrementAndGet();
        if (delivery != null) {
            synchronized (committedDeliveries) {
                committedDeliveries.add(delivery);
            }
        }
        if (events.compareBase() != null) {
            comparison.submit(events);
        }
        LOG.debug("webhook {} committed: {}", describe, events);
        return new Answer(HttpStatus.OK_200, "committed " + events);
    }

    private Answer tooLarge(String describe, long bytes) {
        LOG.warn("webhook {} refused: {} bytes, over GitHub's 25 MB cap", describe, bytes);
        return refuse(HttpStatus.PAYLOAD_TOO_LARGE_413, "the body is over 25 MB (" + bytes + " bytes)");
    }

    private Answer refuse(int status, String message) {
        rejected.incrementAndGet();
        return new Answer(status, message);
    }

    /** A header value fit for a log line: short, one line. */
    private static String printable(String s) {
        if (s == null) {
            return "-";
        }
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 80 ? oneLine.substring(0, 80) + "..." : oneLine;
    }
}
