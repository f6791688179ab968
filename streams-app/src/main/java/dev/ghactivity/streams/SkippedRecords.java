package dev.ghactivity.streams;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Input records the streams-app skipped because they could not be deserialized, counted per app instance.
 * Kafka Streams logs each one with its topic, partition and offset and, with
 * {@code errors.dead.letter.queue.topic.name} set (KIP-1034), writes it as read to the dead-letter topic in the
 * same transaction as the offsets that pass it: skipped is never lost.
 */
final class SkippedRecords {
    /** Streams property holding this instance's counter (an object, read by {@link CountingHandler#configure}). */
    static final String CONFIG = "ghactivity.skipped.records";

    private final AtomicLong count = new AtomicLong();

    long count() {
        return count.get();
    }

    /** {@link LogAndContinueExceptionHandler} (log, dead-letter, go on) that also counts. */
    public static final class CountingHandler extends LogAndContinueExceptionHandler {
        private SkippedRecords skipped;

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            skipped = configs.get(CONFIG) instanceof SkippedRecords s ? s : new SkippedRecords();
        }

        @Override
        public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            Response response = super.handleError(context, record, exception);
            skipped.count.incrementAndGet();
            return response;
        }
    }
}
