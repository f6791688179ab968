package dev.ghactivity.streams;

import static dev.ghactivity.streams.Events.commit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.MonthlyActivity;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The aggregator's emission: pending months are kept in a store (so they outlive the processor: a restart, or the task
 * moving to another instance, finds them and emits them) and emitted by a wall-clock punctuation; a change that came
 * alone is emitted and committed at once.
 */
class MonthlyAggregatorTest {
    private static final String REPO = "octo/repo";

    /** The aggregator's stores, as a restart gives them back (restored from their changelogs). */
    private final List<KeyValueStore<?, ?>> stores = List.of(
            store(MonthlyActivityTopology.MONTH_COUNTERS_STORE, MonthCounters.serde()),
            store(MonthlyActivityTopology.PENDING_MONTHS_STORE, Serdes.Long()),
            store(MonthlyActivityTopology.DURATIONS_STORE, SortedDurations.serde()),
            store(MonthlyActivityTopology.AUTHOR_MONTHS_STORE, Serdes.Long()),
            store(MonthlyActivityTopology.FIRST_COMMIT_MONTHS_STORE, Serdes.String()));

    private static <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values).withLoggingDisabled().build();
    }

    /** One processor instance and its context. */
    private record Instance(MonthlyAggregator aggregator, MockProcessorContext<String, MonthlyActivity> context) {
        void add(String sha, String login, String date, long wallClockMs) {
            context.setCurrentSystemTimeMs(wallClockMs);
            ContributionChange change = new ContributionChange(null,
                    ItemContributions.ofCommit(commit(REPO, sha, login, date, date), ZoneOffset.UTC, false));
            aggregator.process(new Record<>(REPO, change, wallClockMs));
        }

        /** Runs the aggregator's one punctuation (a wall-clock one, every {@link MonthlyAggregator#EMIT_INTERVAL}). */
        void punctuate(long wallClockMs) {
            assertThat(context.scheduledPunctuators()).hasSize(1);
            MockProcessorContext.CapturedPunctuator p = context.scheduledPunctuators().get(0);
            assertThat(p.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
            assertThat(p.getInterval()).isEqualTo(MonthlyAggregator.EMIT_INTERVAL);
            context.setCurrentSystemTimeMs(wallClockMs);
            p.getPunctuator().punctuate(wallClockMs);
        }

        /** What was forwarded since the last call, as {@code key wholeRow}. */
        List<String> rows() {
            List<String> rows = context.forwarded().stream().map(f -> f.record().key() + " "
                    + (f.record().value() == null ? "null" : BrokerTopics.wholeRow(f.record().value()))).toList();
            context.resetForwards();
            return rows;
        }
    }

    /** A new processor instance on the same stores, initialized as Streams does after restoring them. */
    private Instance start() {
        MockProcessorContext<String, MonthlyActivity> context = new MockProcessorContext<>();
        for (KeyValueStore<?, ?> store : stores) {
            if (!store.isOpen()) {
                store.init(context.getStateStoreContext(), store);
            }
            context.addStateStore(store);
        }
        MonthlyAggregator aggregator = new MonthlyAggregator();
        aggregator.init(context);
        return new Instance(aggregator, context);
    }

    @Test
    void pendingMonthsOutliveTheProcessorAndAreEmittedByTheNextOne() {
        Instance first = start();
        first.add("a1", "alice", "2024-01-05T10:00:00Z", 1_000);
        first.add("a2", "bob", "2024-01-06T10:00:00Z", 1_001);
        first.add("b1", "bob", "2024-02-06T10:00:00Z", 1_002);
        assertThat(first.rows()).as("the first change came alone: emitted at once; the next two are held back")
                .containsExactly("octo/repo|2024-01 1/1/0/0/0/0 0/0/1 -,- -,-");

        // A restart (or another instance taking the task over) before the punctuation: the stores come back, the
        // processor is new.
        Instance second = start();
        assertThat(second.rows()).isEmpty();
        second.punctuate(5_000);
        assertThat(second.rows()).containsExactly(
                "octo/repo|2024-01 2/2/0/0/0/0 0/0/2 -,- -,-", // alice and bob: both new in January
                "octo/repo|2024-02 1/1/0/0/0/0 0/0/0 -,- -,-");
        second.punctuate(5_050);
        assertThat(second.rows()).as("emitted once").isEmpty();
        assertThat(stores.get(1).approximateNumEntries()).as("no pending mark left").isZero();
    }

    @Test
    void aLoneChangeIsEmittedAndCommittedAtOnceABurstWaitsForThePunctuationAndItsEndCommits() {
        Instance aggregator = start();
        aggregator.add("a1", "alice", "2024-01-05T10:00:00Z", 10_000); // after a pause
        assertThat(aggregator.rows()).hasSize(1);
        assertThat(aggregator.context().committed()).as("a lone change: emitted and committed at once").isTrue();

        aggregator.context().resetCommit();
        aggregator.add("a2", "alice", "2024-02-06T10:00:00Z", 20_000); // the first of a burst
        aggregator.context().resetCommit();
        aggregator.rows();
        aggregator.add("a3", "alice", "2024-03-07T10:00:00Z", 20_001);
        aggregator.add("a4", "alice", "2024-03-08T10:00:00Z", 20_002);
        assertThat(aggregator.rows()).as("held back").isEmpty();
        aggregator.punctuate(20_003);
        assertThat(aggregator.rows()).containsExactly("octo/repo|2024-03 2/1/0/0/0/0 0/0/0 -,- -,-");
        assertThat(aggregator.context().committed()).as("records a millisecond apart: a backfill, committed by the interval").isFalse();

        aggregator.add("a5", "alice", "2024-03-09T10:00:00Z", 20_004);
        // A pause after the last record, and an interval after the last request (a2's emission asked at 20_000).
        aggregator.punctuate(20_000 + PromptCommit.MIN_REQUEST_GAP_MS);
        assertThat(aggregator.rows()).containsExactly("octo/repo|2024-03 3/1/0/0/0/0 0/0/0 -,- -,-");
        assertThat(aggregator.context().committed()).as("no record for a pause: the end of the burst").isTrue();

        aggregator.context().resetCommit();
        aggregator.punctuate(30_000);
        assertThat(aggregator.rows()).isEmpty();
        assertThat(aggregator.context().committed()).as("nothing emitted, nothing to commit").isFalse();
    }
}
