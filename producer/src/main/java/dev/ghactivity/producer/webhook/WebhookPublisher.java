package dev.ghactivity.producer.webhook;

import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each delivery's events in one Kafka transaction of its own producer, transactional.id
 * {@code <producer's id>-webhooks}. Deliveries that arrive while a transaction commits wait for the next one and
 * share it (group commit: a commit costs a round trip to the transaction coordinator, whatever it holds); each is
 * answered only once that transaction committed, and all of them fail together.
 *
 * <p>Not the poller's producer: a poll keeps its transaction open across many pages (up to a second, and while it
 * waits on GitHub), so sharing it would make every delivery wait for the poll, and a failed delivery would abort
 * the poll's pages with it.
 *
 * <p>Waits are bounded ({@code max.block.ms}, {@code delivery.timeout.ms}) below GitHub's 10 s delivery timeout, so a
 * broker that is down turns into a 503, not a hung request. After any failure the producer is closed and the next
 * delivery starts a new one: its {@code initTransactions} aborts whatever the old one left open.
 *
 * <p>The transactional.id is initialised as soon as the publisher starts, not at the first delivery: a process killed
 * mid-transaction leaves it open, holding the last stable offset of its partitions (read_committed readers, the
 * streams-app among them, stop there, so later committed records stay invisible) until {@code transaction.timeout.ms}
 * runs out. {@code initTransactions} fences the old incarnation and aborts that transaction at once, whether or not a
 * delivery ever comes; {@link #awaitInitialised(Duration)} lets a caller wait for it before it declares itself ready.
 */
final class WebhookPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookPublisher.class);
    private static final AvroSerde<CommitEvent> COMMITS = AvroSerdes.commitEvent();
    private static final AvroSerde<IssueEvent> ISSUES = AvroSerdes.issueEvent();
    /** Suffix of the transactional.id, after the producer's own. */
    static final String TRANSACTIONAL_ID_SUFFIX = "-webhooks";

    /** How long the start keeps trying to initialise the transactional.id (Kafka may still be loading its coordinator). */
    static final Duration INIT_TIMEOUT = Duration.ofSeconds(60);

    /** Deliveries per transaction at most: bounds what one failure sends back to GitHub as 503s. */
    private static final int MAX_BATCH = 100;

    private final Map<String, Object> properties;
    private final Duration maxWait;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final String transactionalId;
    /** Completed once the start's initTransactions returned (exceptionally when it gave up). */
    private final CompletableFuture<Void> initialised = new CompletableFuture<>();
    private Producer<String, byte[]> producer; // only the committer thread touches it, and closes it
    private boolean producerReady; // its initTransactions returned
    private volatile boolean closed;

    private record Pending(WebhookEvents events, CompletableFuture<Void> committed) {
    }

    WebhookPublisher(ProducerAppConfig config, Duration maxWait) {
        int wait = (int) Math.min(Integer.MAX_VALUE, maxWait.toMillis()); // these settings are ints
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId() + TRANSACTIONAL_ID_SUFFIX);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + TRANSACTIONAL_ID_SUFFIX);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // One delivery is a handful of records wanted at once: no lingering.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, wait);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1, wait - 1));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, wait);
        this.properties = Map.copyOf(props);
        this.transactionalId = config.transactionalId() + TRANSACTIONAL_ID_SUFFIX;
        this.maxWait = maxWait;
        this.committer = new Thread(this::commitLoop, "webhook-publisher");
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Sends the events and returns once the transaction holding them committed.
     *
     * @throws KafkaException when they were not committed within the bounded wait; then none of them is visible, or
     *                        (committed after the wait) they are, and a redelivery replaces them by key
     */
    void publish(WebhookEvents events) {
        if (closed) {
            throw new KafkaException("the webhook publisher is closed");
        }
        Pending pending = new Pending(events, new CompletableFuture<>());
        queue.add(pending);
        try {
            // The transaction before ours may take the whole wait too: bound ours below GitHub's 10 s all the same.
            pending.committed().get(maxWait.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("the delivery's transaction did not commit within " + (maxWait.toMillis() + 2000) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * Initialises {@code <id>-webhooks} and closes at once: for a start without a receiver, as a run before may have had
     * one and been killed mid-transaction (that transaction is aborted now, not at its timeout). A principal not allowed
     * to write that transactional.id never had a receiver, so it has nothing to abort: skipped.
     *
     * @throws IllegalStateException as {@link #awaitInitialised(Duration)}
     */
    static void completeLeftoverTransaction(ProducerAppConfig config) {
        WebhookPublisher publisher = new WebhookPublisher(config, WebhookSettings.DEFAULT_MAX_WAIT);
        try {
            publisher.awaitInitialised(INIT_TIMEOUT.plusSeconds(5));
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TransactionalIdAuthorizationException)) {
                throw e;
            }
            LOG.debug("no right to {}: no receiver ever ran with this principal, nothing to abort", publisher.transactionalId);
        } finally {
            publisher.close();
        }
    }

    /**
     * Waits until the start initialised the transactional.id (so any transaction a killed predecessor left open is
     * aborted).
     *
     * @throws IllegalStateException with one line naming the transactional.id when it could not be initialised within
     *                               {@link #INIT_TIMEOUT} (e.g. Kafka unreachable)
     */
    void awaitInitialised(Duration timeout) {
        try {
            initialised.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(initFailure(e.getCause()), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(initFailure(new TimeoutException("no answer within " + timeout)), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while initialising the webhook producer " + transactionalId, e);
        }
    }

    private String initFailure(Throwable cause) {
        return "cannot initialise the webhook producer's transactional.id " + transactionalId + " (" + cause
                + "): check that Kafka is reachable at " + properties.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
    }

    /** Initialises the transactional.id, retrying timeouts until {@link #INIT_TIMEOUT} (allowed by initTransactions' contract). */
    private void initialise() {
        long deadline = System.nanoTime() + INIT_TIMEOUT.toNanos();
        while (!closed) {
            try {
                producer();
                LOG.debug("webhook producer {} initialised: a transaction a previous run left open is aborted", transactionalId);
                initialised.complete(null);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    initialised.completeExceptionally(e);
                    return;
                }
            } catch (KafkaException e) {
                // Interrupted by close(), or a fatal error: the next delivery tries again with a new producer.
                initialised.completeExceptionally(e);
                return;
            }
        }
        initialised.completeExceptionally(new KafkaException("the webhook publisher is closed"));
    }

    private void commitLoop() {
        initialise();
        while (!closed) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            try {
                commit(batch);
                batch.forEach(p -> p.committed().complete(null));
            } catch (KafkaException e) {
                discard();
                batch.forEach(p -> p.committed().completeExceptionally(e));
            } catch (RuntimeException e) {
                discard();
                batch.forEach(p -> p.committed().completeExceptionally(new KafkaException(e)));
            }
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(p -> p.committed().completeExceptionally(new KafkaException("the webhook publisher is closed")));
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }

    private void commit(List<Pending> batch) {
        Producer<String, byte[]> p = producer();
        p.beginTransaction();
        for (Pending pending : batch) {
            WebhookEvents events = pending.events();
            for (CommitEvent e : events.commits()) {
                p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(e.getRepo(), e.getSha()), COMMITS.encode(e)));
            }
            for (IssueEvent e : events.issues()) {
                p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(e.getRepo(), e.getNumber()), ISSUES.encode(e)));
            }
            for (long number : events.goneIssues()) {
                p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(events.repo(), number), null));
            }
        }
        p.commitTransaction();
    }

    private Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
        }
        if (!producerReady) {
            try {
                producer.initTransactions(); // after a TimeoutException, calling it again resumes the same initialisation
            } catch (TimeoutException e) {
                throw e;
            } catch (KafkaException e) {
                discard();
                throw e;
            }
            producerReady = true;
        }
        return producer;
    }

    private void discard() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (KafkaException e) {
                LOG.debug("closing the failed webhook producer: {}", e.toString());
            }
            producer = null;
            producerReady = false;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!initialised.isDone()) {
            committer.interrupt(); // initTransactions waiting on a Kafka that is not there: no need to wait it out
        }
        try {
            // A transaction in flight finishes (bounded by maxWait twice), then the committer closes the producer.
            committer.join(maxWait.multipliedBy(2).plusSeconds(12).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
