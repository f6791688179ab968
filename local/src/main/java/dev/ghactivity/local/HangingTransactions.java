package dev.ghactivity.local;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells an open transaction that holds a partition from one that is only in progress. An open transaction keeps the
 * partition's last stable offset (LSO) at its first offset: read_committed readers (the streams-app) stop there, so
 * records committed after it are not counted, though offsets alone say "caught up". This stack's own transactions
 * commit within seconds (and the start's {@code initTransactions} aborts what a killed run left under its ids); a
 * transaction whose start stays put for longer than the grace is hanging.
 *
 * <p>A hanging transaction is reported, never aborted here: it may be another application's work in flight (KIP-664's
 * {@code kafka-transactions.sh abort} is the operator's decision), and one under this stack's transactional.id means
 * another process uses that id.
 */
final class HangingTransactions {
    /** An open transaction on a partition, as Admin {@code describeProducers} and {@code listTransactions} give it (KIP-664). */
    record OpenTransaction(TopicPartition partition, long producerId, long startOffset, String transactionalId) {
    }

    private final Duration grace;
    private final Predicate<String> ours;
    private final String bootstrapServers;
    private final boolean embeddedBroker;
    private final LongSupplier nanoClock;
    private final String consequence;
    private final Map<OpenTransaction, Long> firstSeen = new HashMap<>();

    /**
     * @param grace            how long one transaction may hold a partition without its start moving
     * @param ours             whether a transactional.id is one this stack owns
     * @param bootstrapServers named in the command that aborts a hanging transaction
     * @param embeddedBroker   whether {@code bootstrapServers} is the stack's own broker, which answers only while the
     *                         stack runs (the line then says how to run the command: beside a stack started again)
     * @param nanoClock        {@link System#nanoTime()} but in tests
     */
    HangingTransactions(Duration grace, Predicate<String> ours, String bootstrapServers, boolean embeddedBroker,
                        LongSupplier nanoClock) {
        this(grace, ours, bootstrapServers, embeddedBroker, nanoClock, "read_committed readers (the streams-app) stop there, so "
                + "records committed after it are not counted");
    }

    /** @param consequence what the held partition stops, said in the line (e.g. a changelog: state restoration never ends) */
    HangingTransactions(Duration grace, Predicate<String> ours, String bootstrapServers, boolean embeddedBroker,
                        LongSupplier nanoClock, String consequence) {
        this.grace = grace;
        this.ours = ours;
        this.bootstrapServers = bootstrapServers;
        this.embeddedBroker = embeddedBroker;
        this.nanoClock = nanoClock;
        this.consequence = consequence;
    }

    /**
     * Records the transactions open now and returns the one line for the oldest that held its partition longer than
     * the grace, if any, e.g. {@code github.commits-0 is held by an open transaction of transactional.id
     * "other-tool" (not one of this stack's) since offset 12 for 61 s: ...; abort it: kafka-transactions.sh
     * --bootstrap-server HOST:PORT abort --topic github.commits --partition 0 --start-offset 12}.
     */
    Optional<String> hanging(List<OpenTransaction> open) {
        long now = nanoClock.getAsLong();
        firstSeen.keySet().retainAll(open);
        open.forEach(t -> firstSeen.putIfAbsent(t, now));
        return firstSeen.entrySet().stream()
                .filter(e -> now - e.getValue() >= grace.toNanos())
                .min(Map.Entry.comparingByValue())
                .map(e -> describe(e.getKey(), Duration.ofNanos(now - e.getValue())));
    }

    private String describe(OpenTransaction t, Duration held) {
        TopicPartition tp = t.partition();
        String abort = "kafka-transactions.sh --bootstrap-server " + bootstrapServers + " abort --topic " + tp.topic()
                + " --partition " + tp.partition() + " --start-offset " + t.startOffset();
        if (embeddedBroker) {
            // The --once run exits with this line and takes its broker with it; the kept ports (ListenerPorts) bring it
            // back at the same address when a stack starts again on the same data dir.
            abort += " (" + bootstrapServers + " is this stack's embedded broker: it answers only while the stack runs, so "
                    + "start the stack again without --once on the same --data-dir, which listens at the same address, and "
                    + "run the command meanwhile)";
        }
        String owner;
        String action;
        if (t.transactionalId() == null) {
            owner = "producer id " + t.producerId() + " (transactional.id unknown)";
            action = "stop the producer that holds it, or abort it: " + abort;
        } else if (ours.test(t.transactionalId())) {
            // Initialised at the start, so either another process uses the id, or the restarted broker's coordinator completed
            // a killed run's transaction without marking this partition (see LeftoverTransactions).
            owner = "transactional.id \"" + t.transactionalId() + "\" (this stack's, initialised at its start: another process "
                    + "uses it, or a killed run left it open)";
            action = "stop the other process using that transactional.id, or abort it: " + abort;
        } else {
            owner = "transactional.id \"" + t.transactionalId() + "\" (not one of this stack's)";
            action = "have its producer commit or abort it, or abort it: " + abort;
        }
        return tp + " is held by an open transaction of " + owner + " since offset " + t.startOffset() + " for "
                + held.toSeconds() + " s: " + consequence + "; " + action;
    }
}
