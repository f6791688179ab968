package dev.ghactivity.producer;

import dev.ghactivity.producer.IngestProgress.ListingProgress;
import dev.ghactivity.producer.IngestProgress.RepositoryProgress;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.IngestStateKind;
import dev.ghactivity.schemas.ListingIngestProgress;
import dev.ghactivity.schemas.RepositoryState;
import dev.ghactivity.schemas.RepositoryStateJson;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes where each tracked repository stands ({@link IngestProgress}) to the compacted topic
 * {@value Topics#REPOSITORY_STATE}, key {@code owner/name}, value {@link RepositoryState} (Avro, single-object
 * encoding like every record of the pipeline), so the query API of any streams-app instance can serve it. A state
 * change (state, reason, last successful poll) is published within {@link #CHECK_EVERY}, a backfill's progress at
 * most every {@link #PROGRESS_EVERY}, an unchanged state again every {@link #REFRESH_EVERY}; a repository no longer
 * tracked gets a tombstone. At start it reads back what
 * this producer (its {@code transactional.id}) published before: repositories it no longer tracks get their
 * tombstone once polling has begun (after the first discovery), and a repository's last successful poll survives the
 * restart.
 *
 * <p>Written outside the producer's transactions (an idempotent producer of its own, {@code acks=all}): a state
 * is a report about the events, published after the transaction that holds them committed, and must neither wait
 * for a long backfill transaction nor abort with it.
 */
public final class RepositoryStatePublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryStatePublisher.class);
    /** How often the progress is compared with what was published. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** The least time between two publications of one repository whose state did not change (pages, items, ETA). */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    /** An unchanged state is published again this often: its {@code reported_at} tells readers the producer is alive. */
    static final Duration REFRESH_EVERY = Duration.ofMinutes(1);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(60);

    private final Producer<String, byte[]> kafka;
    private final IngestProgress progress;
    private final String producerId;
    private final Clock clock;
    /** What the topic holds for this producer's repositories (failed sends are removed, so they are sent again). */
    private final Map<String, Published> published = new ConcurrentHashMap<>();
    /**
     * Read back at start and not published by this process yet. Tombstoned only once polling has begun: a producer
     * that discovers its repositories (--org, globs) tracks none until its first discovery.
     */
    private final Set<String> readBack = ConcurrentHashMap.newKeySet();
    private boolean polling;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;

    private record Published(RepositoryState state, Instant at) {
    }

    private RepositoryStatePublisher(Producer<String, byte[]> kafka, IngestProgress progress, String producerId, Clock clock,
                                     Map<String, RepositoryState> before) {
        this.kafka = kafka;
        this.progress = progress;
        this.producerId = producerId;
        this.clock = clock;
        before.forEach((repo, state) -> published.put(repo, new Published(state, Instant.MIN)));
        readBack.addAll(before.keySet());
        this.thread = new Thread(this::run, "repository-state");
        this.thread.setDaemon(true);
    }

    /**
     * Reads back what this producer published before, then publishes {@code progress} until closed. When the topic
     * does not exist, logs it once and publishes nothing (the producer goes on).
     */
    public static RepositoryStatePublisher start(ProducerAppConfig config, IngestProgress progress) {
        Map<String, RepositoryState> before = readBack(config);
        Producer<String, byte[]> kafka = before == null ? null
                : new KafkaProducer<>(kafkaProperties(config), new StringSerializer(), new ByteArraySerializer());
        RepositoryStatePublisher publisher = new RepositoryStatePublisher(kafka, progress, config.transactionalId(), config.clock(),
                before == null ? Map.of() : before);
        if (kafka != null) {
            publisher.thread.start();
        }
        return publisher;
    }

    static Map<String, Object> kafkaProperties(ProducerAppConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A state that cannot be sent now is sent again at the next check: never hold up a poll or a shutdown for long.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-repository-state");
        props.putAll(config.kafkaProperties());
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG); // not transactional: see the class comment
        return props;
    }

    /** This producer's earlier states, by repository; null when the topic does not exist. */
    private static Map<String, RepositoryState> readBack(ProducerAppConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.putAll(config.kafkaProperties());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a missing topic is reported, never made uncompacted
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<String, RepositoryState> states = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(Topics.REPOSITORY_STATE, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            if (partitions.isEmpty()) {
                LOG.warn("topic {} does not exist: where each repository stands is not published (the query API's GET /repos "
                        + "lists no states); create the topics first (docker/create-topics.sh)", Topics.REPOSITORY_STATE);
                return null;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_BACK_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.REPOSITORY_STATE + " to its end within " + READ_BACK_TIMEOUT);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        states.remove(r.key());
                        continue;
                    }
                    try {
                        states.put(r.key(), AvroSerdes.repositoryState().decode(r.value()));
                    } catch (SerializationException e) {
                        LOG.warn("ignoring unreadable repository state {} at {}-{}@{}: {}", r.key(), r.topic(), r.partition(), r.offset(),
                                e.getMessage());
                    }
                }
            }
        }
        states.values().removeIf(s -> !s.getProducer().equals(config.transactionalId()));
        return states;
    }

    private void run() {
        try {
            do {
                publishDue(false);
            } while (!stop.await(CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Publishes what changed since the last publication: state changes at once, progress when {@link #PROGRESS_EVERY}
     * has passed (or {@code all}), a tombstone for each repository no longer tracked.
     */
    private synchronized void publishDue(boolean all) {
        Instant now = clock.instant();
        Set<String> tracked = new HashSet<>();
        for (RepositoryProgress p : progress.snapshot()) {
            tracked.add(p.repo());
            polling |= p.state() != IngestProgress.State.DISCOVERED;
            Published last = published.get(p.repo());
            RepositoryState state = toRecord(p, last == null ? null : last.state(), now);
            boolean due = last == null || stateChanged(last.state(), state)
                    || (!sameProgress(last.state(), state) && (all || !now.isBefore(last.at().plus(PROGRESS_EVERY))))
                    || !now.isBefore(last.at().plus(REFRESH_EVERY));
            if (due && !send(p.repo(), state, now)) {
                return; // the broker cannot be reached now: the rest waits for the next check (or a close that ends soon)
            }
        }
        for (String repo : List.copyOf(published.keySet())) {
            if (!tracked.contains(repo) && (polling || !readBack.contains(repo)) && !send(repo, null, now)) {
                return;
            }
        }
    }

    /** False when the record could not even be handed to the Kafka producer (e.g. no metadata within max.block.ms). */
    private boolean send(String repo, RepositoryState state, Instant now) {
        Published entry = new Published(state, now);
        readBack.remove(repo);
        if (state == null) {
            published.remove(repo);
        } else {
            published.put(repo, entry);
        }
        try {
            kafka.send(new ProducerRecord<>(Topics.REPOSITORY_STATE, repo, state == null ? null : AvroSerdes.repositoryState().encode(state)),
                    (metadata, error) -> {
                        if (error != null) {
                            notPublished(repo, entry, error);
                        }
                    });
        } catch (KafkaException e) {
            notPublished(repo, entry, e);
            return false;
        }
        return true;
    }

    /** Sent again at the next check (the latest state is all the topic needs): a state as if never sent, a tombstone as due. */
    private void notPublished(String repo, Published entry, Exception error) {
        LOG.warn("could not publish the state of {} to {}: {}; retrying", repo, Topics.REPOSITORY_STATE, error.toString());
        if (entry.state() == null) {
            published.putIfAbsent(repo, new Published(null, Instant.MIN));
        } else {
            published.remove(repo, entry);
        }
    }

    /**
     * The record of one repository; a last successful poll this process has not seen yet is the one published before
     * (by this process or, read back at start, by the previous one).
     */
    RepositoryState toRecord(RepositoryProgress p, RepositoryState before, Instant now) {
        List<ListingIngestProgress> listings = new ArrayList<>();
        for (ListingProgress l : p.listings()) {
            listings.add(ListingIngestProgress.newBuilder().setListing(l.listing()).setPage(l.page())
                    .setTotalPages(l.totalPages() > 0 ? l.totalPages() : null).setItems(l.items())
                    .setPercent(l.percent() >= 0 ? Math.round(l.percent() * 10) / 10.0 : null)
                    .setEtaSeconds(l.eta() == null ? null : l.eta().toSeconds()).setDone(l.done()).build());
        }
        Instant lastSuccess = p.lastSuccessfulPoll() != null ? p.lastSuccessfulPoll() : before == null ? null : before.getLastSuccessfulPoll();
        // Millisecond instants, as the topic keeps them (timestamp-millis): the producer's own /repos answers alike.
        return RepositoryState.newBuilder().setRepo(p.repo()).setState(IngestStateKind.valueOf(p.state().name()))
                .setReason(p.reason()).setLastSuccessfulPoll(lastSuccess == null ? null : lastSuccess.truncatedTo(ChronoUnit.MILLIS))
                .setReportedAt(now.truncatedTo(ChronoUnit.MILLIS)).setProducer(producerId)
                .setListings(listings).build();
    }

    /**
     * {@code {"repos": [...]}}, sorted by name, each as {@link RepositoryStateJson} gives it: the producer's own
     * {@code GET /repos} ({@code --metrics-port}), for a producer that runs without a streams-app.
     */
    public byte[] repositoriesJson() {
        Instant now = clock.instant();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode repos = body.putArray("repos");
        progress.snapshot().stream().sorted(java.util.Comparator.comparing(RepositoryProgress::repo)).forEach(p -> {
            Published last = published.get(p.repo());
            repos.add(RepositoryStateJson.toJson(toRecord(p, last == null ? null : last.state(), now)));
        });
        return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean stateChanged(RepositoryState a, RepositoryState b) {
        return a == null || a.getState() != b.getState() || !java.util.Objects.equals(a.getReason(), b.getReason())
                || !java.util.Objects.equals(a.getLastSuccessfulPoll(), b.getLastSuccessfulPoll());
    }

    /** Same pages, items and totals (the ETA alone moves with the clock). */
    private static boolean sameProgress(RepositoryState a, RepositoryState b) {
        if (a.getListings().size() != b.getListings().size()) {
            return false;
        }
        for (int i = 0; i < a.getListings().size(); i++) {
            ListingIngestProgress x = a.getListings().get(i);
            ListingIngestProgress y = b.getListings().get(i);
            if (!x.getListing().equals(y.getListing()) || x.getPage() != y.getPage() || x.getItems() != y.getItems()
                    || x.getDone() != y.getDone() || !java.util.Objects.equals(x.getTotalPages(), y.getTotalPages())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Publishes the latest states (progress included), waits until the broker has them (a {@code --once} run ends with
     * its final states on the topic), and closes the Kafka producer.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop.countDown();
        if (kafka == null) {
            return;
        }
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            publishDue(true);
        } finally {
            kafka.close(Duration.ofSeconds(5)); // sends what is pending, for at most that long (the broker may be gone)
        }
    }
}
