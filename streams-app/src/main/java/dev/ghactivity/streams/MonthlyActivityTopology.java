package dev.ghactivity.streams;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.Topics;
import java.time.ZoneId;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Exact calendar-month activity per repository, in one repartition however many metrics there are.
 *
 * <p>Both inputs are read as changelogs of tables (their keys are identities). For every change of an item (old
 * value, new value; a tombstone has none) {@link ContributionChanges} forwards what the item counted in before and
 * what it counts in now, keyed by repository; after the one repartition {@link MonthlyAggregator} subtracts the one
 * and adds the other, so an update moves an item between months instead of counting it again: a re-polled commit
 * replaces itself, a closed issue adds to its close month and its time to close to that month's durations, a
 * re-opened one subtracts both again, a tombstone subtracts everywhere. No time windows: months differ in length,
 * and backfilled history from any year must count, not be dropped as late.
 *
 * <pre>
 * github.commits ─► commit-contributions (commits-counted) ─┐
 *                                                            ├─► contributions-by-repo (repartition) ─► aggregate-contributions ─► emit-on-change ─► github.monthly-activity
 * github.issues  ─► issue-contributions (issues-counted) ───┘        (month-counters, pending-months, month-durations,                (monthly-activity)
 *                                                                      author-months, first-commit-months; emits pending months
 *                                                                      every {@link MonthlyAggregator#EMIT_INTERVAL} of wall-clock time)
 * </pre>
 *
 * <p>The output is coalesced: the aggregator marks the months a change moved as pending (committed with the totals)
 * and a wall-clock punctuation emits each pending month once with its totals then, so a backfill that changes a month
 * many times between two punctuations writes one row, not one per change; a lone change is emitted and committed at
 * once ({@link MonthlyAggregator}). The output is complete once nothing is pending ({@link #pendingMonths}): the
 * months of the last input are emitted within an interval after it was committed.
 *
 * <p>Why the repartition is keyed by repository, not by {@code repo|month}: a new contributor is an author whose
 * earliest month in the repository is this one, which needs all of the repository's months of that author on one
 * task; keyed by month it would need a second repartition (a second commit interval of latency under exactly-once,
 * and one more hop for every future metric of that kind). The cost: one repository's aggregation runs on one task.
 * The heavy part still spreads over every partition (reading, decoding and remembering each item, keyed by its
 * identity); what a repository concentrates on its task is a few store updates per change. A new metric is a new
 * {@link Contribution.Metric}, never a new hop.
 */
public final class MonthlyActivityTopology {
    /**
     * The version of the counting state this topology builds. A start that finds state of another version (stored
     * with the counting settings) rebuilds it from the input topics first ({@link CountingSettings}). Version 1:
     * the releases with four repartitions; 2: contributions in one repartition, with the new metrics; 3: coalesced
     * output (the months pending emission in a store of their own, {@code updated_at} kept with the totals).
     */
    public static final int VERSION = 3;
    /** What each version brought, for the log line of a rebuild: index = version. */
    static final java.util.List<String> VERSION_CHANGES = java.util.List.of("", "four repartitions",
            "new metrics, one repartition", "coalesced output");
    /** Per commit key: what the commit was last counted in. */
    public static final String COMMITS_COUNTED_STORE = "commits-counted";
    /** Per issue key: what the issue or PR was last counted in. */
    public static final String ISSUES_COUNTED_STORE = "issues-counted";
    public static final String MONTH_COUNTERS_STORE = "month-counters";
    /** The months changed since they were last emitted: {@code owner/name|YYYY-MM} -> the change's timestamp (epoch ms). */
    public static final String PENDING_MONTHS_STORE = "pending-months";
    public static final String DURATIONS_STORE = "month-durations";
    public static final String AUTHOR_MONTHS_STORE = "author-months";
    public static final String FIRST_COMMIT_MONTHS_STORE = "first-commit-months";
    /** The last rows emitted per {@code owner/name|YYYY-MM}; the query API reads it. */
    public static final String MONTHLY_ACTIVITY_STORE = "monthly-activity";
    /** The one repartition: topic {@code <application.id>-contributions-by-repo-repartition}. */
    public static final String CONTRIBUTIONS_REPARTITION = "contributions-by-repo";

    private MonthlyActivityTopology() {
    }

    /**
     * The months this instance's tasks changed and have not emitted yet (interactive query of
     * {@value #PENDING_MONTHS_STORE}). Whoever waits for the output to be complete waits for the input to be committed
     * and then for this to be 0 (and for the emitting transaction to commit).
     *
     * @return how many months are pending, or empty while the store is not queryable (starting, rebalancing)
     */
    public static java.util.OptionalLong pendingMonths(KafkaStreams streams) {
        try {
            ReadOnlyKeyValueStore<String, Long> pending = streams.store(StoreQueryParameters.fromNameAndType(
                    PENDING_MONTHS_STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
            long count = 0;
            try (KeyValueIterator<String, Long> it = pending.all()) {
                for (; it.hasNext(); it.next()) {
                    count++;
                }
            }
            return java.util.OptionalLong.of(count);
        } catch (InvalidStateStoreException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** Builds the topology. Pure: no I/O, no threads; the caller runs it. */
    public static Topology build(StreamsAppConfig config) {
        ZoneId zone = config.zone();
        boolean byCommitter = config.commitDateField() == StreamsAppConfig.CommitDateField.COMMITTER;
        Serde<String> strings = Serdes.String();
        StreamsBuilder builder = new StreamsBuilder();

        // Uncached: every key is a new identity, so a cache there never hits; it only evicts the aggregation
        // stores' entries from the thread's shared cache (bench/results/2026-11-25-findings.md).
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COMMITS_COUNTED_STORE),
                strings, ContributionChange.itemSerde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ISSUES_COUNTED_STORE),
                strings, ContributionChange.itemSerde()).withCachingDisabled());
        // Cached: a month is updated many times per commit interval in a backfill; its changelog gets the last value.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MONTH_COUNTERS_STORE),
                strings, MonthCounters.serde()).withCachingEnabled());
        // Cached: a month is marked and cleared many times in a backfill; the changelog gets what stands at the commit.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_MONTHS_STORE),
                strings, Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DURATIONS_STORE),
                strings, SortedDurations.serde()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AUTHOR_MONTHS_STORE),
                strings, Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FIRST_COMMIT_MONTHS_STORE),
                strings, strings).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MONTHLY_ACTIVITY_STORE),
                strings, AvroSerdes.monthlyActivity()).withCachingEnabled());

        KStream<String, ContributionChange> commitChanges = builder
                .stream(Topics.COMMITS, Consumed.with(strings, AvroSerdes.commitEvent()).withName("commits-source"))
                .process(() -> new ContributionChanges<CommitEvent>(COMMITS_COUNTED_STORE,
                                c -> ItemContributions.ofCommit(c, zone, byCommitter)),
                        Named.as("commit-contributions"), COMMITS_COUNTED_STORE);
        KStream<String, ContributionChange> issueChanges = builder
                .stream(Topics.ISSUES, Consumed.with(strings, AvroSerdes.issueEvent()).withName("issues-source"))
                .process(() -> new ContributionChanges<IssueEvent>(ISSUES_COUNTED_STORE, i -> ItemContributions.ofIssue(i, zone)),
                        Named.as("issue-contributions"), ISSUES_COUNTED_STORE);
        commitChanges.merge(issueChanges, Named.as("merge-contributions"))
                .repartition(Repartitioned.<String, ContributionChange>as(CONTRIBUTIONS_REPARTITION)
                        .withKeySerde(strings).withValueSerde(ContributionChange.serde()))
                .process(MonthlyAggregator::new, Named.as("aggregate-contributions"),
                        MONTH_COUNTERS_STORE, PENDING_MONTHS_STORE, DURATIONS_STORE, AUTHOR_MONTHS_STORE, FIRST_COMMIT_MONTHS_STORE)
                .processValues(EmitOnChange::new, Named.as("emit-on-change"), MONTHLY_ACTIVITY_STORE)
                .to(Topics.MONTHLY_ACTIVITY, Produced.with(strings, AvroSerdes.monthlyActivity()).withName("monthly-activity-sink"));
        return builder.build(config.toStreamsProperties());
    }

    /**
     * Keeps the last row forwarded per month (a tombstone deletes it): the query API's view of the output. Every record
     * that reaches it is a change: the aggregator marks a month pending only when its totals differ from the stored
     * ones, and the row is a function of the totals alone (apart from {@code updated_at}), so a re-polled item (same
     * counts, new ingestion time) never gets here. Hence no read of the last row: a write per emitted row.
     */
    private static final class EmitOnChange implements FixedKeyProcessor<String, MonthlyActivity, MonthlyActivity> {
        private FixedKeyProcessorContext<String, MonthlyActivity> context;
        private KeyValueStore<String, MonthlyActivity> emitted;

        @Override
        public void init(FixedKeyProcessorContext<String, MonthlyActivity> context) {
            this.context = context;
            this.emitted = context.getStateStore(MONTHLY_ACTIVITY_STORE);
        }

        @Override
        public void process(FixedKeyRecord<String, MonthlyActivity> record) {
            emitted.put(record.key(), record.value()); // null deletes, without reading the old row as delete() would
            context.forward(record);
        }
    }
}
