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
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Events and the cursor that covers them go out in one Kafka transaction, so a crash never moves a
 * cursor past events that were not published. One transaction spans many pages (bounded by records and
 * time): a commit costs a round trip, a page of 100 items does not justify one.
 */
final class TransactionalPublisher implements AutoCloseable {
    private static final AvroSerde<CommitEvent> COMMITS = AvroSerdes.commitEvent();
    private static final AvroSerde<IssueEvent> ISSUES = AvroSerdes.issueEvent();
    private static final AvroSerde<IngestCursor> CURSORS = AvroSerdes.ingestCursor();
    private final Producer<String, byte[]> producer;
    private final int maxRecords;
    private final long maxNanos;
    private boolean inTransaction;
    private int records;
    private long startedAt;
    private final Map<String, IngestCursor> pendingCursors = new HashMap<>();
    private long pendingCommits;
    private long pendingIssues;
    private long committedCommits;
    private long committedIssues;
    private final IngestCursorStore cursors;

    private static KafkaProducer<String, byte[]> kafkaProducer(ProducerAppConfig config) {
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
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    TransactionalPublisher(ProducerAppConfig config, IngestCursorStore cursors) {
        this(config, kafkaProducer(config), cursors);
    }

    /** With a given producer (tests pass a transactional {@code MockProducer}); takes ownership of it. */
    /** The Kafka producer, for its metrics. */
    Producer<String, byte[]> kafkaProducer() {
        return producer;
    }

    TransactionalPublisher(ProducerAppConfig config, Producer<String, byte[]> producer, IngestCursorStore cursors) {
        this.producer = producer;
        this.producer.initTransactions();
        this.maxRecords = config.maxRecordsPerTransaction();
        this.maxNanos = config.maxTimePerTransaction().toNanos();
        this.cursors = cursors;
    }

    private void begin() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            records = 0;
            startedAt = System.nanoTime();
        }
    }

    void commits(List<CommitEvent> events) {
        begin();
        for (CommitEvent e : events) {
            producer.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(e.getRepo(), e.getSha()), COMMITS.encode(e)));
        }
        records += events.size();
        pendingCommits += events.size();
    }

    void issues(List<IssueEvent> events) {
        begin();
        for (IssueEvent e : events) {
            producer.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(e.getRepo(), e.getNumber()), ISSUES.encode(e)));
        }
        records += events.size();
        pendingIssues += events.size();
    }

    /** Tombstones: these issues or PRs no longer exist in {@code repo} (deleted or transferred); they leave every count. */
    void issuesGone(String repo, List<Long> numbers) {
        begin();
        for (long number : numbers) {
            producer.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(repo, number), null));
        }
        records += numbers.size();
        pendingIssues += numbers.size();
    }

    /** The cursor to publish with the events sent so far (the latest per key wins). */
    void cursor(IngestCursor cursor) {
        begin();
        String key = RecordKeys.cursor(cursor.getRepo(), cursor.getEndpoint());
        producer.send(new ProducerRecord<>(Topics.INGEST_STATE, key, CURSORS.encode(cursor)));
        pendingCursors.put(key, cursor);
        records++;
    }

    /** Commits when the transaction is big or old enough, or when {@code force}. */
    void commitIfDue(boolean force) {
        if (inTransaction && (force || records >= maxRecords || System.nanoTime() - startedAt >= maxNanos)) {
            producer.commitTransaction();
            inTransaction = false;
            pendingCursors.forEach(cursors::put);
            pendingCursors.clear();
            committedCommits += pendingCommits;
            committedIssues += pendingIssues;
            pendingCommits = 0;
            pendingIssues = 0;
        }
    }

    /** Commit events published in committed transactions so far. */
    long committedCommits() {
        return committedCommits;
    }

    /** Issue events published in committed transactions so far. */
    long committedIssues() {
        return committedIssues;
    }

    /** Drops the open transaction: none of its events or cursors become visible. */
    void abort() {
        if (inTransaction) {
            try {
                producer.abortTransaction();
            } finally {
                inTransaction = false;
                pendingCursors.clear();
                pendingCommits = 0;
                pendingIssues = 0;
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
