package dev.ghactivity.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;

/**
 * What both sink tasks do with errors: a transient failure becomes a {@link RetriableException} (Connect
 * redelivers the batch after {@code retry.backoff.ms}) until {@code max.retries} is spent, then a clear
 * {@link ConnectException}; a record that can never be written goes to the errant-record reporter (the
 * dead-letter queue) and the rest of the batch is written. Records the converters refuse (not Avro, an invalid
 * key) never reach the task: Connect routes them itself; what is left for the task is a value of another key.
 */
public final class SinkTaskErrors {
    private final Logger log;
    private final SinkTaskContext context;
    private final ErrantRecordReporter reporter;
    private final int maxRetries;
    private final long backoffMs;
    private final String whatToCheck;
    private int retriesLeft;

    /**
     * @param whatToCheck the advice appended when retries are exhausted, e.g. "is the disk full?"
     */
    public SinkTaskErrors(Logger log, SinkTaskContext context, int maxRetries, long backoffMs, String whatToCheck) {
        this.log = log;
        this.context = context;
        this.maxRetries = maxRetries;
        this.backoffMs = backoffMs;
        this.whatToCheck = whatToCheck;
        this.retriesLeft = maxRetries;
        ErrantRecordReporter r;
        try {
            r = context == null ? null : context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            r = null; // a worker older than Kafka 2.6
        }
        this.reporter = r;
    }

    /** The exception to throw for a transient failure of {@code what}; a ConnectException once retries are spent. */
    public RetriableException retry(String what, Exception cause) {
        if (retriesLeft <= 0) {
            throw new ConnectException(what + " failed " + (maxRetries + 1) + " times (" + cause.getMessage() + "); "
                    + whatToCheck + " Nothing unwritten was committed; restart the task once it is fixed.", cause);
        }
        retriesLeft--;
        log.warn("{} failed ({}); retrying in {} ms, {} retries left", what, cause.getMessage(), backoffMs, retriesLeft);
        if (context != null) {
            context.timeout(backoffMs);
        }
        return new RetriableException(what + ": " + cause.getMessage(), cause);
    }

    /** A write succeeded: the next failure starts a fresh series of retries. */
    public void succeeded() {
        retriesLeft = maxRetries;
    }

    /** Sends a record that can never be written to the dead-letter queue, or fails the task when there is none. */
    public void report(SinkRecord record, DataException e) {
        if (reporter == null) {
            throw new ConnectException("bad record at " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset()
                    + ": " + e.getMessage() + " (set errors.tolerance=all and errors.deadletterqueue.topic.name to skip such records)", e);
        }
        log.warn("record {}-{}@{} sent to the dead-letter queue: {}", record.topic(), record.kafkaPartition(), record.kafkaOffset(), e.getMessage());
        reporter.report(record, e);
    }
}
