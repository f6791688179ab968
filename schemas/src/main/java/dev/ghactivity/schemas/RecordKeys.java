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

    /** True for {@code YYYY-MM} with a month 01-12: the only months that may reach SQL parameters, S3 keys or URLs. */
    public static boolean isMonth(String s) {
        if (s == null || s.length() != 7 || s.charAt(4) != '-') {
            return false;
        }
        for (int i = 0; i < 7; i++) {
            if (i != 4 && (s.charAt(i) < '0' || s.charAt(i) > '9')) {
                return false;
            }
        }
        int month = (s.charAt(5) - '0') * 10 + (s.charAt(6) - '0');
        return month >= 1 && month <= 12;
    }
}
