package dev.ghactivity.producer;

import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events and the cursor that covers them go out in one Kafka transaction, so a crash never moves a
 * cursor past events that were not published. One transaction spans many pages (bounded by records and
 * time): a commit costs a round trip, a page of 100 items does not justify one.
 *
 * <p>Failures follow the transactional producer's error classes (KIP-1050, {@code KafkaProducer} javadoc): a
 * commit that times out ({@link TimeoutException}) may already be completing on the coordinator, so it cannot be
 * aborted and is retried until it commits, fails otherwise, or the publisher is stopped (or its thread
 * interrupted); {@link #isFatal fatal} errors leave the producer unusable; any other {@link KafkaException} is
 * abortable.
 *
 * <p>Several repositories are fetched at once, but there is one transactional producer per process (one
 * transactional.id): each repository's poll writes through its own {@link Writer}, and the writers share the open
 * transaction. Every send and commit holds this publisher's lock, so a record never lands in a transaction that is
 * committing, and a writer sends a page's events together with the cursor that covers them, so a commit (by any
 * writer) takes both or neither; when a transaction is aborted, every writer with records in it is told
 * ({@link AbortedElsewhereException} at its next call) and its poll ends, to be read again from its committed cursor.
 */
final class TransactionalPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalPublisher.class);
    private static final AvroSerde<CommitEvent> COMMITS = AvroSerdes.commitEvent();
    private static final AvroSerde<IssueEvent> ISSUES = AvroSerdes.issueEvent();
    private static final AvroSerde<IngestCursor> CURSORS = AvroSerdes.ingestCursor();
    private final Producer<String, byte[]> producer;
    private final int maxRecords;
    private final long maxNanos;
    private boolean inTransaction;
    private int records;
    private long startedAt;
    /** The writers with records in the open transaction: they learn together whether it committed or was aborted. */
    private final Set<Writer> writing = new LinkedHashSet<>();
    private final IngestCursorStore cursors;
    private final BooleanSupplier stopRequested;

    /** The transactional Kafka producer the config describes. */
    static KafkaProducer<String, byte[]> kafkaProducer(ProducerAppConfig config) {
        return new KafkaProducer<>(kafkaProperties(config), new StringSerializer(), new ByteArraySerializer());
    }

    /** Settings of the transactional Kafka producer (tests build a {@code KafkaProducer} of their own with them). */
    static Map<String, Object> kafkaProperties(ProducerAppConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId());
        props.putAll(config.kafkaProperties());
        return props;
    }

    /** The Kafka producer, for its metrics. */
    Producer<String, byte[]> kafkaProducer() {
        return producer;
    }

    /**
     * With a given transactional producer (a test's {@code MockProducer} or wrapped {@code KafkaProducer}); takes
     * ownership of it. {@code stopRequested} ends the retries of a commit that timed out.
     */
    TransactionalPublisher(ProducerAppConfig config, Producer<String, byte[]> producer, IngestCursorStore cursors,
                           BooleanSupplier stopRequested) {
        this.producer = producer;
        this.producer.initTransactions();
        this.maxRecords = config.maxRecordsPerTransaction();
        this.maxNanos = config.maxTimePerTransaction().toNanos();
        this.cursors = cursors;
        this.stopRequested = stopRequested;
    }

    /**
     * Errors after which this producer can never commit again: another instance took over its transactional.id
     * ({@link ApplicationRecoverableException} such as {@code ProducerFencedException}: the producer must be recreated),
     * lost sequence state, missing rights, an unsupported broker or a bad setting. Every other {@link KafkaException} is
     * abortable: abort, and the next poll reads the same pages again. That includes {@link InvalidProducerEpochException}:
     * the coordinator aborted a transaction held open past {@code transaction.timeout.ms} and bumped the epoch, and the
     * client, after {@code abortTransaction()}, goes on with the new epoch (seen on a 4.4 broker: TransactionTimeoutIT).
     * Causes count too: once in a fatal state, the client wraps the original error in a plain {@link KafkaException} on
     * every later call.
     */
    static boolean isFatal(KafkaException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidProducerEpochException) {
                continue; // an ApplicationRecoverableException the client recovers from by aborting
            }
            if (t instanceof ApplicationRecoverableException || t instanceof OutOfOrderSequenceException
                    || t instanceof AuthorizationException || t instanceof AuthenticationException
                    || t instanceof UnsupportedVersionException || t instanceof InvalidConfigurationException) {
                return true;
            }
        }
        return false;
    }

    /** A writer for one repository's poll (or slice of one): its records share the open transaction with the others'. */
    Writer writer() {
        return new Writer();
    }

    private void begin() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            records = 0;
            startedAt = System.nanoTime();
        }
    }

    private void send(Writer w, ProducerRecord<String, byte[]> record) {
        begin();
        writing.add(w);
        try {
            producer.send(record);
        } catch (KafkaException e) {
            abortAfter(e);
            throw e;
        }
        records++;
    }

    /**
     * Commits when the transaction is big or old enough, or when {@code force}; never once stopped: a shutdown
     * aborts the open transaction instead of waiting for a commit (its pages are read again next time). An abortable
     * failure aborts the transaction at once (every writer in it is told) and is thrown.
     */
    private void commitIfDue(boolean force) {
        if (inTransaction && !stopRequested.getAsBoolean() && (force || records >= maxRecords || System.nanoTime() - startedAt >= maxNanos)) {
            try {
                commit();
            } catch (CommitInDoubtException e) {
                throw e;
            } catch (KafkaException e) {
                if (!isFatal(e)) {
                    abortAfter(e);
                }
                throw e;
            }
            inTransaction = false;
            writing.forEach(Writer::committed);
            writing.clear();
        }
    }

    /** An abortable failure: the open transaction is aborted now; if even that fails the producer cannot go on. */
    private void abortAfter(KafkaException cause) {
        try {
            abortTransaction(null);
        } catch (RuntimeException abortFailure) {
            cause.addSuppressed(abortFailure);
            unusable = cause;
        }
    }

    /** Set when an abort after a failure failed too: nothing can be published any more. */
    private KafkaException unusable;

    /**
     * {@code commitTransaction}, retried while it times out: the commit may already be completing on the coordinator,
     * so the real client refuses an abort now ({@code IllegalStateException}); retrying is safe and completes the same
     * commit once the coordinator answers. Stops retrying when the publisher is stopped: the transaction then ends on
     * the coordinator (committed if the request got there, else aborted at {@code transaction.timeout.ms} or by the
     * next producer with this transactional.id), and no cursor moves here.
     *
     * @throws CommitInDoubtException when stopped while the commit's outcome is unknown
     */
    private void commit() {
        int attempt = 1;
        long start = System.nanoTime();
        while (true) {
            try {
                producer.commitTransaction();
                if (attempt > 1) {
                    LOG.info("transaction committed at attempt {}, {} ms after the first", attempt, (System.nanoTime() - start) / 1_000_000);
                }
                return;
            } catch (InterruptException e) {
                throw new CommitInDoubtException(e); // an interrupt asks this thread to stop; the client kept its flag set
            } catch (TimeoutException e) {
                if (stopRequested.getAsBoolean()) {
                    throw new CommitInDoubtException(e);
                }
                LOG.warn("committing the transaction timed out (attempt {}, {} ms so far: {}); retrying the commit, as the "
                        + "Kafka producer requires", attempt, (System.nanoTime() - start) / 1_000_000, e.getMessage());
                attempt++;
            }
        }
    }

    /** Stopped while a commit that timed out was being retried: its outcome is up to the coordinator. */
    static final class CommitInDoubtException extends KafkaException {
        CommitInDoubtException(Throwable cause) {
            super("stopped while retrying a transaction commit that timed out; the coordinator completes it or aborts it", cause);
        }
    }

    /**
     * The transaction holding this writer's records was aborted because of another repository's failure or a stop:
     * none of them became visible and its cursors did not move; its poll ends and the next one reads those pages again.
     */
    static final class AbortedElsewhereException extends KafkaException {
        AbortedElsewhereException(String why) {
            super("the Kafka transaction holding this repository's pages was aborted (" + why + "); its cursors did not move");
        }
    }

    /** Commit events published in committed transactions so far, by every writer. */
    synchronized long committedCommits() {
        return committed[0];
    }

    /** Issue events published in committed transactions so far, by every writer. */
    synchronized long committedIssues() {
        return committed[1];
    }

    private final long[] committed = new long[2];

    /** Whether a transaction is open (begun, neither committed nor aborted). */
    synchronized boolean inTransaction() {
        return inTransaction;
    }

    /** Drops the open transaction, whoever's records it holds: none of its events or cursors become visible. */
    synchronized void abort() {
        abortTransaction(null);
    }

    /** Aborts the open transaction; every writer in it but {@code caller} learns it at its next call. */
    private void abortTransaction(Writer caller) {
        if (unusable != null) {
            throw unusable;
        }
        if (inTransaction) {
            try {
                while (true) {
                    try {
                        producer.abortTransaction();
                        break;
                    } catch (TimeoutException e) {
                        // Like a commit, an abort that timed out may be under way: only a retry may follow it.
                        if (stopRequested.getAsBoolean()) {
                            throw e;
                        }
                        LOG.warn("aborting the transaction timed out ({}); retrying the abort", e.getMessage());
                    }
                }
            } finally {
                inTransaction = false;
                String why = caller == null ? (stopRequested.getAsBoolean() ? "stopped" : "a Kafka failure") : "a failure of another repository";
                for (Writer w : writing) {
                    w.aborted(w == caller ? null : why);
                }
                writing.clear();
            }
        }
    }

    /**
     * One repository's share of the transactional publisher. Its events are encoded at once but held until the cursor
     * that covers them (or its own commit), then sent together with it under the publisher's lock: a commit by another
     * writer never takes a page's events without their cursor, so a crash makes no page be published twice. What it
     * committed is counted here. Its calls throw {@link AbortedElsewhereException} once a transaction holding its records
     * was aborted by another writer, a failure or a stop. One thread at a time.
     */
    final class Writer {
        private final List<ProducerRecord<String, byte[]>> held = new java.util.ArrayList<>();
        private long heldCommits;
        private long heldIssues;
        private final Map<String, IngestCursor> pendingCursors = new HashMap<>();
        private long pendingCommits;
        private long pendingIssues;
        private long committedCommits;
        private long committedIssues;
        private String abortedElsewhere;

        private Writer() {
        }

        void commits(List<CommitEvent> events) {
            for (CommitEvent e : events) {
                held.add(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(e.getRepo(), e.getSha()), COMMITS.encode(e)));
            }
            heldCommits += events.size();
        }

        void issues(List<IssueEvent> events) {
            for (IssueEvent e : events) {
                held.add(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(e.getRepo(), e.getNumber()), ISSUES.encode(e)));
            }
            heldIssues += events.size();
        }

        /** Tombstones: these issues or PRs no longer exist in {@code repo} (deleted or transferred); they leave every count. */
        void issuesGone(String repo, List<Long> numbers) {
            for (long number : numbers) {
                held.add(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(repo, number), null));
            }
            heldIssues += numbers.size();
        }

        /** The cursor to publish with the events given so far (the latest per key wins): they go out together. */
        void cursor(IngestCursor cursor) {
            synchronized (TransactionalPublisher.this) {
                throwIfAbortedElsewhere();
                sendHeld();
                String key = RecordKeys.cursor(cursor.getRepo(), cursor.getEndpoint());
                send(this, new ProducerRecord<>(Topics.INGEST_STATE, key, CURSORS.encode(cursor)));
                pendingCursors.put(key, cursor);
            }
        }

        /**
         * Sends what is held, then commits when due ({@link TransactionalPublisher#commitIfDue(boolean)}): the
         * records of every writer in the transaction commit, not only these.
         */
        void commitIfDue(boolean force) {
            synchronized (TransactionalPublisher.this) {
                throwIfAbortedElsewhere();
                sendHeld();
                TransactionalPublisher.this.commitIfDue(force);
            }
        }

        private void sendHeld() {
            for (ProducerRecord<String, byte[]> r : held) {
                send(this, r);
            }
            held.clear();
            pendingCommits += heldCommits;
            pendingIssues += heldIssues;
            heldCommits = 0;
            heldIssues = 0;
        }

        /**
         * After a failure of this repository's poll: drops what is held, and aborts the open transaction if it holds
         * records of this writer (the other writers in it are told); otherwise the others lose nothing.
         */
        void abort() {
            synchronized (TransactionalPublisher.this) {
                held.clear();
                heldCommits = 0;
                heldIssues = 0;
                if (unusable != null) {
                    throw unusable;
                }
                if (writing.contains(this)) {
                    abortTransaction(this);
                }
            }
        }

        /** Commit events of this writer in committed transactions. */
        long committedCommits() {
            synchronized (TransactionalPublisher.this) {
                return committedCommits;
            }
        }

        /** Issue events (and tombstones) of this writer in committed transactions. */
        long committedIssues() {
            synchronized (TransactionalPublisher.this) {
                return committedIssues;
            }
        }

        private void throwIfAbortedElsewhere() {
            if (unusable != null) {
                throw unusable;
            }
            if (abortedElsewhere != null) {
                String why = abortedElsewhere;
                abortedElsewhere = null;
                held.clear();
                heldCommits = 0;
                heldIssues = 0;
                throw new AbortedElsewhereException(why);
            }
        }

        private void committed() {
            pendingCursors.forEach(cursors::put);
            pendingCursors.clear();
            committedCommits += pendingCommits;
            committedIssues += pendingIssues;
            committed[0] += pendingCommits;
            committed[1] += pendingIssues;
            pendingCommits = 0;
            pendingIssues = 0;
        }

        private void aborted(String why) {
            pendingCursors.clear();
            pendingCommits = 0;
            pendingIssues = 0;
            abortedElsewhere = why;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
