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
 */
final class WebhookPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookPublisher.class);
    private static final AvroSerde<CommitEvent> COMMITS = AvroSerdes.commitEvent();
    private static final AvroSerde<IssueEvent> ISSUES = AvroSerdes.issueEvent();
    /** Suffix of the transactional.id, after the producer's own. */
    static final String TRANSACTIONAL_ID_SUFFIX = "-webhooks";

    /** Deliveries per transaction at most: bounds what one failure sends back to GitHub as 503s. */
    private static final int MAX_BATCH = 100;

    private final Map<String, Object> properties;
    private final Duration maxWait;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread committer;
    private Producer<String, byte[]> producer; // only the committer thread touches it, and closes it
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

    private void commitLoop() {
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
            KafkaProducer<String, byte[]> created = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
            try {
                created.initTransactions();
            } catch (KafkaException e) {
                created.close(Duration.ZERO);
                throw e;
            }
            producer = created;
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
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            // A transaction in flight finishes (bounded by maxWait twice), then the committer closes the producer.
            committer.join(maxWait.multipliedBy(2).plusSeconds(12).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
