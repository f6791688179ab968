package dev.ghactivity.local;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the transactions a killed run left open on partitions of the local stack's own broker that its transaction
 * coordinator has already completed without writing their markers.
 *
 * <p>Why they exist: the stack's broker runs in the process that was killed. At the restart its transaction coordinator
 * loads the killed run's transactions while the node still replays its metadata log, before its listener accepts, and
 * starts completing them (a transaction in PrepareAbort/PrepareCommit, or one whose timeout ran out meanwhile). Its
 * marker requests to itself fail and are retried; while the replay has not yet reached the records that created the
 * newer topics (the streams-app's changelog and repartition topics, {@code __consumer_offsets}), the marker channel
 * finds no such partition and takes it for a deleted one: it drops it from the transaction and records the transaction
 * complete (Kafka's {@code TransactionMarkerChannelManager}, "Couldn't find leader endpoint ... likely deleted already";
 * the choice is discussed in KAFKA-5202). Seen in this stack's restart logs; the transaction is left for good when that
 * completion reaches the log before the replay moves the coordinator (usually it does not, and the reloaded
 * coordinator sends the markers again). The partition then keeps the transaction open: its last stable offset stays at
 * the transaction's first offset, so every read_committed reader stops there (the streams-app's state restoration,
 * which under exactly-once reads each changelog to its end, waits forever), and no coordinator will ever time it out
 * or fence it.
 *
 * <p>Found as Kafka's {@code kafka-transactions.sh find-hanging} finds them (KIP-664): a transaction open on a partition
 * ({@code describeProducers}) whose coordinator no longer has that partition in an open transaction of that producer
 * ({@code describeTransactions}). One the coordinator completed as an abort is aborted on the partition too
 * ({@code abortTransaction}, as {@code kafka-transactions.sh abort} does), which is exactly the outcome the coordinator
 * decided. One it completed as a commit cannot be committed by any admin call and is reported (one ERROR line).
 * Run only on the stack's own broker, before any of its parts starts, so nothing else is mid-transaction there.
 */
final class LeftoverTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(LeftoverTransactions.class);
    private static final long TIMEOUT_SECONDS = 30;
    /** How long a leftover must stay one before it is aborted or reported ({@link #settled}). */
    private static final java.time.Duration SETTLE = java.time.Duration.ofSeconds(15);
    /** The coordinator keeps these states while it still owns the outcome; markers may be on their way. */
    private static final Set<TransactionState> UNDECIDED_OR_IN_FLIGHT = Set.of(TransactionState.ONGOING,
            TransactionState.PREPARE_ABORT, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_EPOCH_FENCE);

    /** A transaction open on a partition, as {@code describeProducers} gives it. */
    record OpenOnPartition(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch, long startOffset) {
    }

    /** What the coordinator says of a producer id's transaction: its transactional.id, state and open partitions. */
    record CoordinatorView(String transactionalId, TransactionState state, Set<TopicPartition> partitions) {
    }

    /** What to do about one partition's open transaction. */
    record Leftover(OpenOnPartition open, CoordinatorView coordinator, boolean abortable) {
    }

    private LeftoverTransactions() {
    }

    /**
     * The open transactions that no coordinator will ever end: the coordinator has no open transaction of that producer
     * holding that partition. {@code abortable} when the coordinator's outcome was an abort (or it has forgotten the
     * producer id, as it does once the transactional.id expired); a commit (decided or complete) is not.
     *
     * @param views the coordinator's view per producer id; absent when it lists no transaction for it
     */
    static List<Leftover> leftovers(List<OpenOnPartition> open, Map<Long, CoordinatorView> views) {
        List<Leftover> leftovers = new ArrayList<>();
        for (OpenOnPartition o : open) {
            CoordinatorView view = views.get(o.producerId());
            if (view != null && UNDECIDED_OR_IN_FLIGHT.contains(view.state()) && view.partitions().contains(o.partition())) {
                continue; // the coordinator is still on it: a fenced producer's transaction, or markers on their way
            }
            boolean committed = view != null && (view.state() == TransactionState.COMPLETE_COMMIT
                    || view.state() == TransactionState.PREPARE_COMMIT);
            leftovers.add(new Leftover(o, view, !committed));
        }
        return leftovers;
    }

    /**
     * Finds and ends the leftover transactions on every partition of {@code bootstrapServers}' topics (internal ones
     * too: a transaction's consumer offsets wait in {@code __consumer_offsets} the same way). Never throws: a failure
     * is one WARN line, and the start goes on as it would have without this.
     *
     * @return how many partitions' transactions were aborted
     */
    static int abort(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<Leftover> found = settled(admin);
            int aborted = 0;
            for (Leftover leftover : found) {
                OpenOnPartition o = leftover.open();
                String owner = leftover.coordinator() == null ? "producer id " + o.producerId()
                        : "transactional.id \"" + leftover.coordinator().transactionalId() + "\"";
                if (!leftover.abortable()) {
                    LOG.error("{} holds an open transaction of {} since offset {} that its coordinator recorded as committed "
                            + "without writing the commit marker there; read_committed readers (the streams-app) stop at that offset "
                            + "and no admin call can commit it: start again in a new --data-dir (it re-reads GitHub)",
                            o.partition(), owner, o.startOffset());
                    continue;
                }
                admin.abortTransaction(new AbortTransactionSpec(o.partition(), o.producerId(), (short) o.producerEpoch(),
                        o.coordinatorEpoch())).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.info("{}: aborted the transaction of {} left open since offset {} by the run that did not stop cleanly "
                        + "(its coordinator had completed it as an abort without reaching this partition)", o.partition(), owner,
                        o.startOffset());
                aborted++;
            }
            return aborted;
        } catch (ExecutionException e) {
            LOG.warn("could not look for transactions a killed run left open ({}); a read_committed reader may stop at one: "
                    + "see the streams-app's status lines", e.getCause().toString());
        } catch (TimeoutException e) {
            LOG.warn("no answer within {} s while looking for transactions a killed run left open; a read_committed reader may "
                    + "stop at one: see the streams-app's status lines", TIMEOUT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * The leftovers found in every look over {@link #SETTLE} (one a second): right after the restart the coordinator may
     * still be writing markers it decided (the breaker saw a commit "left" this way end by itself seconds later), and
     * acting on those would report a false hang or, worse, abort a transaction whose commit markers are on their way.
     */
    private static List<Leftover> settled(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        List<Leftover> found = look(admin);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            Set<OpenOnPartition> still = look(admin).stream().map(Leftover::open).collect(Collectors.toSet());
            found = found.stream().filter(l -> still.contains(l.open())).toList();
        }
        return found;
    }

    private static List<Leftover> look(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        List<OpenOnPartition> open = openTransactions(admin);
        return open.isEmpty() ? List.of() : leftovers(open, coordinatorViews(admin, open));
    }

    private static List<OpenOnPartition> openTransactions(Admin admin)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
        }
        Map<TopicPartition, PartitionProducerState> states = admin.describeProducers(partitions).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<OpenOnPartition> open = new ArrayList<>();
        states.forEach((tp, state) -> {
            for (ProducerState p : state.activeProducers()) {
                p.currentTransactionStartOffset().ifPresent(start -> open.add(new OpenOnPartition(tp, p.producerId(),
                        p.producerEpoch(), p.coordinatorEpoch().orElse(-1), start)));
            }
        });
        return open;
    }

    private static Map<Long, CoordinatorView> coordinatorViews(Admin admin, List<OpenOnPartition> open)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<Long> producerIds = open.stream().map(OpenOnPartition::producerId).collect(Collectors.toSet());
        Map<String, Long> ids = new HashMap<>();
        for (TransactionListing t : admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds)).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            ids.put(t.transactionalId(), t.producerId());
        }
        Map<Long, CoordinatorView> views = new HashMap<>();
        if (ids.isEmpty()) {
            return views;
        }
        for (Map.Entry<String, TransactionDescription> e : admin.describeTransactions(ids.keySet()).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).entrySet()) {
            TransactionDescription d = e.getValue();
            views.put(ids.get(e.getKey()), new CoordinatorView(e.getKey(), d.state(), d.topicPartitions()));
        }
        return views;
    }
}
