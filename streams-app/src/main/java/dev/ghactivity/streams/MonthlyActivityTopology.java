package dev.ghactivity.streams;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Exact calendar-month activity per repository.
 *
 * <p>Both inputs are read as tables (their keys are identities), re-keyed by {@code repo|month} and
 * aggregated with adders and subtractors, so an update moves a record between counters instead of
 * counting it again: a re-polled commit replaces itself, a closed issue adds to its close month, a
 * re-opened one subtracts again, a tombstone subtracts everywhere. No time windows: months differ in
 * length, and backfilled history from any year must count, not be dropped as late.
 *
 * <pre>
 * github.commits ─► commit-events ─► by (repo, month, author) ─► commits-per-author-month ─► by month ─► commit-stats-per-month ─┐
 * github.issues  ─► issue-events ─┬► by created month ─► issues-opened-per-month (issues, PRs) ─────────────────────────────────┼─► emit-on-change ─► github.monthly-activity
 *                                 └► by close/merge month ─► issues-resolved-per-month (issues closed, PRs merged) ─────────────┘
 * </pre>
 *
 * Distinct authors and commits come from one store: commits of a month = the sum of its authors' counts.
 */
public final class MonthlyActivityTopology {
    public static final String COMMIT_EVENTS_STORE = "commit-events";
    public static final String ISSUE_EVENTS_STORE = "issue-events";
    public static final String COMMITS_PER_AUTHOR_MONTH_STORE = "commits-per-author-month";
    public static final String COMMIT_STATS_PER_MONTH_STORE = "commit-stats-per-month";
    public static final String ISSUES_OPENED_PER_MONTH_STORE = "issues-opened-per-month";
    public static final String ISSUES_RESOLVED_PER_MONTH_STORE = "issues-resolved-per-month";
    /** The last counts emitted per {@code owner/name|YYYY-MM}; the query API reads it. */
    public static final String MONTHLY_ACTIVITY_STORE = "monthly-activity";

    /** Separates the author from {@code repo|month} in the per-author key; never in a repo name or month. */
    private static final char AUTHOR_SEPARATOR = '\u0000';

    private MonthlyActivityTopology() {
    }

    /** Builds the topology. Pure: no I/O, no threads; the caller runs it. */
    public static Topology build(StreamsAppConfig config) {
        ZoneId zone = config.zone();
        boolean byCommitter = config.commitDateField() == StreamsAppConfig.CommitDateField.COMMITTER;
        Serde<String> strings = Serdes.String();
        Serde<Long> longs = Serdes.Long();
        Serde<CounterPair> pairs = CounterPair.serde();
        StreamsBuilder builder = new StreamsBuilder();

        // The source tables are uncached: every key is a new identity, so a cache there never hits; it only
        // evicts the aggregation stores' entries from the thread's shared cache, whose de-duplication is what
        // keeps the repartition topics small (measured 2.4-3.4x faster, bench/results/2026-11-25-findings.md).
        KTable<String, CommitEvent> commits = builder.table(Topics.COMMITS,
                Consumed.with(strings, AvroSerdes.commitEvent()).withName("commits-source"),
                Materialized.<String, CommitEvent, KeyValueStore<Bytes, byte[]>>as(COMMIT_EVENTS_STORE)
                        .withKeySerde(strings).withValueSerde(AvroSerdes.commitEvent())
                        .withCachingDisabled());
        KTable<String, IssueEvent> issues = builder.table(Topics.ISSUES,
                Consumed.with(strings, AvroSerdes.issueEvent()).withName("issues-source"),
                Materialized.<String, IssueEvent, KeyValueStore<Bytes, byte[]>>as(ISSUE_EVENTS_STORE)
                        .withKeySerde(strings).withValueSerde(AvroSerdes.issueEvent())
                        .withCachingDisabled());

        // Commits: count per (repo, month, author), then per month: commits = sum, authors = non-zero entries.
        KTable<String, Long> perAuthor = commits
                .groupBy((key, c) -> KeyValue.pair(
                                monthKey(c.getRepo(), byCommitter ? c.getCommitterDate() : c.getAuthorDate(), zone)
                                        + AUTHOR_SEPARATOR + authorOf(c), 1L),
                        Grouped.with("commits-by-author-month", strings, longs))
                .count(Named.as("count-commits-per-author-month"),
                        Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(COMMITS_PER_AUTHOR_MONTH_STORE)
                                .withKeySerde(strings).withValueSerde(longs));
        KTable<String, CounterPair> commitStats = perAuthor
                .groupBy((key, n) -> KeyValue.pair(key.substring(0, key.indexOf(AUTHOR_SEPARATOR)), n),
                        Grouped.with("author-counts-by-month", strings, longs))
                .aggregate(() -> CounterPair.ZERO,
                        (month, n, agg) -> agg.plus(n, n > 0 ? 1 : 0),
                        (month, n, agg) -> agg.plus(-n, n > 0 ? -1 : 0),
                        Named.as("aggregate-commit-stats-per-month"),
                        Materialized.<String, CounterPair, KeyValueStore<Bytes, byte[]>>as(COMMIT_STATS_PER_MONTH_STORE)
                                .withKeySerde(strings).withValueSerde(pairs));

        // Issues and PRs opened, by created_at: (issues opened, PRs opened).
        KTable<String, CounterPair> opened = issues
                .groupBy((key, i) -> KeyValue.pair(monthKey(i.getRepo(), i.getCreatedAt(), zone), i),
                        Grouped.with("issues-by-created-month", strings, AvroSerdes.issueEvent()))
                .aggregate(() -> CounterPair.ZERO,
                        (month, i, agg) -> i.getIsPullRequest() ? agg.plus(0, 1) : agg.plus(1, 0),
                        (month, i, agg) -> i.getIsPullRequest() ? agg.plus(0, -1) : agg.plus(-1, 0),
                        Named.as("aggregate-issues-opened-per-month"),
                        Materialized.<String, CounterPair, KeyValueStore<Bytes, byte[]>>as(ISSUES_OPENED_PER_MONTH_STORE)
                                .withKeySerde(strings).withValueSerde(pairs));

        // Issues closed (by closed_at) and PRs merged (by merged_at): (issues closed, PRs merged).
        // A re-opened issue has no closed_at: the filter turns it into a retraction of its old close.
        KTable<String, CounterPair> resolved = issues
                .filter((key, i) -> resolvedAt(i) != null, Named.as("issues-resolved-filter"))
                .groupBy((key, i) -> KeyValue.pair(monthKey(i.getRepo(), resolvedAt(i), zone), i),
                        Grouped.with("issues-by-resolved-month", strings, AvroSerdes.issueEvent()))
                .aggregate(() -> CounterPair.ZERO,
                        (month, i, agg) -> i.getIsPullRequest() ? agg.plus(0, 1) : agg.plus(1, 0),
                        (month, i, agg) -> i.getIsPullRequest() ? agg.plus(0, -1) : agg.plus(-1, 0),
                        Named.as("aggregate-issues-resolved-per-month"),
                        Materialized.<String, CounterPair, KeyValueStore<Bytes, byte[]>>as(ISSUES_RESOLVED_PER_MONTH_STORE)
                                .withKeySerde(strings).withValueSerde(pairs));

        // Emit only real changes: a re-polled item (same counts, new ingestion time) must not touch the sinks.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MONTHLY_ACTIVITY_STORE),
                strings, AvroSerdes.monthlyActivity()));
        commitStats
                .outerJoin(opened, MonthlyActivityTopology::withCommitsAndOpened, Named.as("join-commits-opened"))
                .outerJoin(resolved, MonthlyActivityTopology::withResolved, Named.as("join-resolved"))
                .toStream(Named.as("monthly-activity-changes"))
                .processValues(EmitOnChange::new, Named.as("emit-on-change"), MONTHLY_ACTIVITY_STORE)
                .to(Topics.MONTHLY_ACTIVITY, Produced.with(strings, AvroSerdes.monthlyActivity()).withName("monthly-activity-sink"));
        return builder.build(config.toStreamsProperties());
    }

    static String monthKey(String repo, Instant when, ZoneId zone) {
        return RecordKeys.monthly(repo, Months.of(when, zone));
    }

    /** Distinct authors are told apart by GitHub login, else e-mail, else name. */
    static String authorOf(CommitEvent c) {
        if (c.getAuthorLogin() != null && !c.getAuthorLogin().isEmpty()) {
            return "login:" + c.getAuthorLogin().toLowerCase(Locale.ROOT);
        }
        if (c.getAuthorEmail() != null && !c.getAuthorEmail().isEmpty()) {
            return "email:" + c.getAuthorEmail().toLowerCase(Locale.ROOT);
        }
        return "name:" + (c.getAuthorName() == null ? "" : c.getAuthorName());
    }

    /** When an issue was closed or a PR merged; null while open (or closed without merge, for a PR). */
    static Instant resolvedAt(IssueEvent i) {
        return i.getIsPullRequest() ? i.getMergedAt() : i.getClosedAt();
    }

    private static MonthlyActivity withCommitsAndOpened(CounterPair commitStats, CounterPair opened) {
        CounterPair c = commitStats == null ? CounterPair.ZERO : commitStats;
        CounterPair o = opened == null ? CounterPair.ZERO : opened;
        return MonthlyActivity.newBuilder()
                .setRepo("").setMonth("")
                .setCommits(c.first()).setCommitAuthors(c.second())
                .setIssuesOpened(o.first()).setPrsOpened(o.second())
                .setIssuesClosed(0).setPrsMerged(0)
                .setUpdatedAt(Instant.EPOCH)
                .build();
    }

    private static MonthlyActivity withResolved(MonthlyActivity partial, CounterPair resolved) {
        MonthlyActivity base = partial == null ? withCommitsAndOpened(null, null) : partial;
        CounterPair r = resolved == null ? CounterPair.ZERO : resolved;
        // A new record: the upstream value may be cached and must not change under it.
        return MonthlyActivity.newBuilder(base).setIssuesClosed(r.first()).setPrsMerged(r.second()).build();
    }

    /**
     * Forwards a month's counts only when they differ from the last ones forwarded, with repo and month from
     * the key and {@code updated_at} = the record timestamp (the time of the input change, so a replay gives
     * the same value). A month whose counts all fell to zero (its only issue was deleted) becomes a tombstone.
     * Its store is the query API's view of the output.
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
            String key = record.key();
            MonthlyActivity value = record.value();
            MonthlyActivity previous = emitted.get(key);
            if (value == null || isEmpty(value)) {
                if (previous != null) {
                    emitted.delete(key);
                    context.forward(record.withValue(null));
                }
                return;
            }
            if (previous != null && sameCounts(previous, value)) {
                return;
            }
            MonthlyActivity stamped = MonthlyActivity.newBuilder(value)
                    .setRepo(RecordKeys.repoOfMonthly(key))
                    .setMonth(RecordKeys.monthOfMonthly(key))
                    .setUpdatedAt(Instant.ofEpochMilli(Math.max(0, record.timestamp())))
                    .build();
            emitted.put(key, stamped);
            context.forward(record.withValue(stamped));
        }

        private static boolean isEmpty(MonthlyActivity a) {
            return a.getCommits() == 0 && a.getCommitAuthors() == 0 && a.getIssuesOpened() == 0
                    && a.getIssuesClosed() == 0 && a.getPrsOpened() == 0 && a.getPrsMerged() == 0;
        }

        private static boolean sameCounts(MonthlyActivity a, MonthlyActivity b) {
            return a.getCommits() == b.getCommits() && a.getCommitAuthors() == b.getCommitAuthors()
                    && a.getIssuesOpened() == b.getIssuesOpened() && a.getIssuesClosed() == b.getIssuesClosed()
                    && a.getPrsOpened() == b.getPrsOpened() && a.getPrsMerged() == b.getPrsMerged();
        }
    }
}
