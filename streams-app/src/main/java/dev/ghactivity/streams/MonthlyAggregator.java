package dev.ghactivity.streams;

import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies the changes of one repository's items to its months: subtracts what an item counted in before, adds what
 * it counts in now, and marks each month whose totals changed as pending; a month whose totals came out as they were
 * is not marked. Every {@link #EMIT_INTERVAL} of wall-clock time a punctuation forwards each pending month's row
 * (a tombstone when nothing is left in it), keyed {@code owner/name|YYYY-MM}, once, with its totals at that moment:
 * a backfill that changes a month a thousand times in an interval emits it once (many changes of one month ->
 * one row with the final value). A null put deletes (a delete() would read and decode the old value first).
 *
 * <p>Nothing pending is lost in a crash: the pending marks live in a changelogged store committed in the same
 * transaction as the totals they mark (exactly-once), and an instance that takes the task over (or restarts) finds
 * them there and emits them. A lone change is not held back: a change that comes after a pause of the stream thread
 * ({@link PromptCommit}) or of this task's input is emitted at once, and a commit is asked for after an emission that follows a pause or ends
 * a burst (at most one request per 100 ms and thread). Why not wait for the punctuation: Kafka Streams 4.x runs, in
 * each pass of its loop ({@code StreamThread.runOnce}), the records of a batch, then due punctuations, then the
 * commit (the interval's or a requested one), and an idle thread blocks in its poll for up to {@code poll.ms} (100 ms)
 * before it looks at punctuations again.
 *
 * <p>All state of a repository lives on the task its key maps to, under key prefixes:
 * <ul>
 *   <li>{@value MonthlyActivityTopology#MONTH_COUNTERS_STORE}: {@code repo|month} -> {@link MonthCounters} (with
 *       {@code updated_at});</li>
 *   <li>{@value MonthlyActivityTopology#PENDING_MONTHS_STORE}: {@code repo|month} -> the timestamp (epoch ms) of the
 *       change that made it pending, for the months changed and not yet emitted;</li>
 *   <li>{@value MonthlyActivityTopology#DURATIONS_STORE}: {@code repo|month\0pr-merge} and {@code \0issue-close} ->
 *       {@link SortedDurations} (ms);</li>
 *   <li>{@value MonthlyActivityTopology#AUTHOR_MONTHS_STORE}: {@code repo\0author\0month} -> the author's commits
 *       in the month (distinct authors of a month; absent at zero);</li>
 *   <li>{@value MonthlyActivityTopology#FIRST_COMMIT_MONTHS_STORE}: {@code repo\0author} -> the month of the
 *       author's first commit (new contributors; moves earlier when older history arrives late).</li>
 * </ul>
 */
final class MonthlyAggregator implements Processor<String, ContributionChange, String, MonthlyActivity> {
    /**
     * How often pending months are emitted. Each emission of a month costs a row built, encoded and sent (and the
     * query store's write); a backfill cycling through many months changes each of them many times per interval, so
     * the longer the interval, the fewer rows. The cost of a long one is latency: a change that comes while the
     * thread is busy waits up to this long (a lone change after a pause does not: it is emitted at once). Half the
     * commit interval (100 ms): a row changed during a backfill is emitted at most 50 ms later than it would be if it
     * were forwarded at once (one commit later when that makes it miss a commit). Measured (bench figure 2,
     * bench/results/2026-11-29-topov3.md): 20 ms gave no more throughput than 50 ms; emitting is ~2% of the stream
     * thread's time at 50 ms (23% without coalescing).
     */
    static final Duration EMIT_INTERVAL = Duration.ofMillis(50);
    private static final char SEPARATOR = '\u0000'; // never in a repo name, login, e-mail or month
    private static final String PR_MERGE = SEPARATOR + "pr-merge";
    private static final String ISSUE_CLOSE = SEPARATOR + "issue-close";
    private static final long[] NO_DURATIONS = new long[0];

    private ProcessorContext<String, MonthlyActivity> context;
    private KeyValueStore<String, MonthCounters> counters;
    private KeyValueStore<String, Long> pending;
    private KeyValueStore<String, long[]> durations;
    private KeyValueStore<String, Long> authorMonths;
    private KeyValueStore<String, String> firstMonths;
    /** The months one change touches: totals before it and after it, in order of first touch. */
    private final Map<String, MonthCounters> before = new LinkedHashMap<>();
    private final Map<String, MonthCounters> after = new LinkedHashMap<>();
    /** When this instance last processed a record (wall clock, ms). */
    private long lastRecordMs = Long.MIN_VALUE;
    /** The keys of {@link #pending}, in memory: a punctuation with nothing to emit reads no store. */
    private final Set<String> pendingMonths = new LinkedHashSet<>();

    @Override
    public void init(ProcessorContext<String, MonthlyActivity> context) {
        this.context = context;
        counters = context.getStateStore(MonthlyActivityTopology.MONTH_COUNTERS_STORE);
        pending = context.getStateStore(MonthlyActivityTopology.PENDING_MONTHS_STORE);
        durations = context.getStateStore(MonthlyActivityTopology.DURATIONS_STORE);
        authorMonths = context.getStateStore(MonthlyActivityTopology.AUTHOR_MONTHS_STORE);
        firstMonths = context.getStateStore(MonthlyActivityTopology.FIRST_COMMIT_MONTHS_STORE);
        // Restored by now (a processor is initialized after its task's restoration): what the last owner left pending.
        pendingMonths.clear();
        try (KeyValueIterator<String, Long> it = pending.all()) {
            it.forEachRemaining(kv -> pendingMonths.add(kv.key));
        }
        context.schedule(EMIT_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::emitPending);
    }

    @Override
    public void process(Record<String, ContributionChange> record) {
        ContributionChange change = record.value();
        if (change == null) {
            return;
        }
        before.clear();
        after.clear();
        if (change.before() != null) {
            apply(change.before(), -1);
        }
        if (change.after() != null) {
            apply(change.after(), 1);
        }
        for (Map.Entry<String, MonthCounters> e : after.entrySet()) {
            String key = e.getKey();
            MonthCounters now = e.getValue();
            if (now.sameTotals(before.get(key))) {
                continue; // e.g. a commit that moved between two authors of the same month
            }
            if (now.isEmpty()) {
                counters.put(key, null);
            } else {
                now.set(MonthCounters.UPDATED_AT, record.timestamp());
                counters.put(key, now);
            }
            if (pendingMonths.add(key)) {
                pending.put(key, record.timestamp());
            }
        }
        // A lone change is not held back: the thread may block in its next poll, for up to poll.ms, before it looks at the
        // punctuation again. Lone: after a pause of the thread, or of this task's input (a change that arrives through
        // the repartition right after the thread committed the input that made it). emitPending asks for the commit.
        long now = context.currentSystemTimeMs();
        boolean taskPaused = lastRecordMs == Long.MIN_VALUE || now < lastRecordMs || now - lastRecordMs >= PromptCommit.PAUSE_MS;
        lastRecordMs = now;
        boolean threadPaused = PromptCommit.processed(context, false);
        if ((threadPaused || taskPaused) && !pendingMonths.isEmpty()) {
            emitPending(now);
        }
    }

    /**
     * Forwards the row of every pending month as its totals stand now (its timestamp: the last change's), or a
     * tombstone (timestamped now) for a month nothing is left in, and clears the marks.
     */
    private void emitPending(long wallClockMs) {
        if (pendingMonths.isEmpty()) {
            return;
        }
        for (String key : pendingMonths) {
            MonthCounters totals = counters.get(key);
            if (totals == null) {
                context.forward(new Record<String, MonthlyActivity>(key, null, wallClockMs));
            } else {
                long updatedAt = totals.get(MonthCounters.UPDATED_AT);
                context.forward(new Record<>(key, totals.toActivity(key), updatedAt));
            }
            pending.put(key, null);
        }
        pendingMonths.clear();
        PromptCommit.emitted(context);
    }

    private void apply(ItemContributions item, int sign) {
        String repo = item.repo();
        for (Contribution cell : item.cells()) {
            MonthCounters month = month(repo, cell.month());
            switch (cell.metric()) {
                case COMMIT -> {
                    month.add(MonthCounters.COMMITS, sign);
                    if (cell.author() != null) {
                        authorCommit(repo, cell.author(), cell.month(), sign);
                    }
                }
                case BOT_COMMIT -> {
                    month.add(MonthCounters.COMMITS, sign);
                    month.add(MonthCounters.BOT_COMMITS, sign);
                }
                case ISSUE_OPENED -> month.add(MonthCounters.ISSUES_OPENED, sign);
                case ISSUE_CLOSED -> {
                    month.add(MonthCounters.ISSUES_CLOSED, sign);
                    duration(repo, cell.month(), ISSUE_CLOSE, cell.millis(), sign, MonthCounters.CLOSE_P50, MonthCounters.CLOSE_P90);
                }
                case PR_OPENED -> month.add(MonthCounters.PRS_OPENED, sign);
                case PR_MERGED -> {
                    month.add(MonthCounters.PRS_MERGED, sign);
                    duration(repo, cell.month(), PR_MERGE, cell.millis(), sign, MonthCounters.MERGE_P50, MonthCounters.MERGE_P90);
                }
                case PR_CLOSED_UNMERGED -> month.add(MonthCounters.PRS_CLOSED_UNMERGED, sign);
            }
        }
    }

    /** The working totals of a month, read once per change. */
    private MonthCounters month(String repo, String month) {
        return after.computeIfAbsent(RecordKeys.monthly(repo, month), key -> {
            MonthCounters stored = counters.get(key);
            MonthCounters current = stored == null ? MonthCounters.zero() : stored;
            before.put(key, current);
            return current.copy();
        });
    }

    private void duration(String repo, String month, String kind, long millis, int sign, int p50, int p90) {
        String key = RecordKeys.monthly(repo, month) + kind;
        long[] stored = durations.get(key);
        long[] sorted = stored == null ? NO_DURATIONS : stored;
        sorted = sign > 0 ? SortedDurations.plus(sorted, millis) : SortedDurations.minus(sorted, millis);
        durations.put(key, sorted.length == 0 ? null : sorted);
        MonthCounters totals = month(repo, month);
        totals.set(p50, SortedDurations.percentile(sorted, 50));
        totals.set(p90, SortedDurations.percentile(sorted, 90));
    }

    /**
     * One commit more or less by a person in a month. Only a month the author enters or leaves changes the distinct
     * authors, and only a change of the author's earliest month moves a new contributor.
     */
    private void authorCommit(String repo, String author, String month, int sign) {
        String authorKey = repo + SEPARATOR + author;
        String key = authorKey + SEPARATOR + month;
        Long stored = authorMonths.get(key);
        long was = stored == null ? 0 : stored;
        long now = Math.max(0, was + sign);
        authorMonths.put(key, now == 0 ? null : now);
        if (was == 0 && now > 0) {
            month(repo, month).add(MonthCounters.COMMIT_AUTHORS, 1);
            String first = firstMonths.get(authorKey);
            if (first == null || month.compareTo(first) < 0) {
                if (first != null) {
                    month(repo, first).add(MonthCounters.NEW_CONTRIBUTORS, -1);
                }
                month(repo, month).add(MonthCounters.NEW_CONTRIBUTORS, 1);
                firstMonths.put(authorKey, month);
            }
        } else if (was > 0 && now == 0) {
            month(repo, month).add(MonthCounters.COMMIT_AUTHORS, -1);
            if (month.equals(firstMonths.get(authorKey))) {
                month(repo, month).add(MonthCounters.NEW_CONTRIBUTORS, -1);
                String next = earliestMonth(authorKey);
                if (next == null) {
                    firstMonths.put(authorKey, null);
                } else {
                    month(repo, next).add(MonthCounters.NEW_CONTRIBUTORS, 1);
                    firstMonths.put(authorKey, next);
                }
            }
        }
    }

    /** The author's earliest month with a commit: keys sort by month under the author's prefix. */
    private String earliestMonth(String authorKey) {
        String prefix = authorKey + SEPARATOR;
        try (KeyValueIterator<String, Long> it = authorMonths.range(prefix, prefix + Character.MAX_VALUE)) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.value != null && kv.value > 0) {
                    return kv.key.substring(prefix.length());
                }
            }
        }
        return null;
    }
}
