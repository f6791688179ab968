package dev.ghactivity.producer.webhook;

import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each delivery's events in one Kafka transaction of its own producer, transactional.id
 * {@code <producer's id>-webhooks}. Not the poller's producer: a poll keeps its transaction open across many pages
 * (up to a second, and while it waits on GitHub), so sharing it would make every delivery wait for the poll, and a
 * failed delivery would abort the poll's pages with it.
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

    private final Map<String, Object> properties;
    private Producer<String, byte[]> producer;
    private boolean closed;

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
    }

    /**
     * Sends the events and commits them together.
     *
     * @throws KafkaException when they could not be committed within the bounded wait; none of them is visible
     */
    synchronized void publish(WebhookEvents events) {
        if (closed) {
            throw new KafkaException("the webhook publisher is closed");
        }
        Producer<String, byte[]> p = producer();
        try {
            p.beginTransaction();
            for (CommitEvent e : events.commits()) {
                p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(e.getRepo(), e.getSha()), COMMITS.encode(e)));
            }
            for (IssueEvent e : events.issues()) {
                p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(e.getRepo(), e.getNumber()), ISSUES.encode(e)));
            }
            for (long number : events.goneIssues()) {
                p.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(events.repo(), number), null));
            }
            p.commitTransaction();
        } catch (KafkaException e) {
            discard();
            throw e;
        }
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
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }
}
