package dev.ghactivity.streams;

/**
 * One cell of the monthly table that an input item adds 1 to: a metric of one month, with the author or the duration
 * the metric also needs. A new metric is a new {@link Metric} (and its arm in {@link MonthlyAggregator}), never a
 * new repartition.
 *
 * @param month {@code YYYY-MM} in the counting zone
 * @param author for {@link Metric#COMMIT}: {@link AuthorIdentity#person()}, or null when unknown; else null
 * @param millis for {@link Metric#ISSUE_CLOSED} and {@link Metric#PR_MERGED}: milliseconds from created to
 *        closed / merged; else 0
 */
record Contribution(Metric metric, String month, String author, long millis) {
    enum Metric { COMMIT, BOT_COMMIT, ISSUE_OPENED, ISSUE_CLOSED, PR_OPENED, PR_MERGED, PR_CLOSED_UNMERGED }

    static Contribution of(Metric metric, String month) {
        return new Contribution(metric, month, null, 0);
    }
}
