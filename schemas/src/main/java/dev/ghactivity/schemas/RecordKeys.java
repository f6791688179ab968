package dev.ghactivity.schemas;

/**
 * The identity keys of every topic. Keys are identities, so a record read twice (overlap windows,
 * retries, re-polls) replaces itself instead of counting twice.
 */
public final class RecordKeys {
    public static final String COMMITS_ENDPOINT = "commits";
    public static final String ISSUES_ENDPOINT = "issues";

    private RecordKeys() {
    }

    /** {@code owner/name@sha} on {@link Topics#COMMITS}. */
    public static String commit(String repo, String sha) {
        return repo + "@" + sha;
    }

    /** {@code owner/name#number} on {@link Topics#ISSUES}. */
    public static String issue(String repo, long number) {
        return repo + "#" + number;
    }

    /** {@code owner/name:commits} or {@code owner/name:issues} on {@link Topics#INGEST_STATE}. */
    public static String cursor(String repo, String endpoint) {
        return repo + ":" + endpoint;
    }

    /** {@code owner/name|YYYY-MM} on {@link Topics#MONTHLY_ACTIVITY}. */
    public static String monthly(String repo, String month) {
        return repo + "|" + month;
    }

    /** The repository part of a {@link #monthly} key. */
    public static String repoOfMonthly(String key) {
        int bar = key.lastIndexOf('|');
        if (bar <= 0) {
            throw new IllegalArgumentException("not a monthly-activity key (owner/name|YYYY-MM): " + key);
        }
        return key.substring(0, bar);
    }

    /** The month part of a {@link #monthly} key. */
    public static String monthOfMonthly(String key) {
        int bar = key.lastIndexOf('|');
        if (bar <= 0) {
            throw new IllegalArgumentException("not a monthly-activity key (owner/name|YYYY-MM): " + key);
        }
        return key.substring(bar + 1);
    }
}
