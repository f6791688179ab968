package dev.ghactivity.sink.convert;

import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.errors.DataException;

/**
 * Validation of the repository and month of a monthly row, the parts that reach SQL parameters and S3 keys:
 * {@link RepositoryName#parse} and {@link RecordKeys#isMonth}.
 */
final class MonthlyKeys {
    /**
     * Repository names already validated: a deployment watches few repositories, and the regexes of
     * {@link RepositoryName#parse} were the largest item of the sink's own work in a profile. Bounded, so
     * a stream of distinct bad names cannot grow it.
     */
    private static final Set<String> VALID_REPOS = ConcurrentHashMap.newKeySet();
    private static final int MAX_CACHED_REPOS = 10_000;

    private MonthlyKeys() {
    }

    /** @throws DataException naming {@code what} (e.g. "key 'a/b|2024-13'") when the repo or month is invalid */
    static void check(String repo, String month, String what) {
        try {
            if (!VALID_REPOS.contains(repo)) {
                RepositoryName.parse(repo);
                if (VALID_REPOS.size() < MAX_CACHED_REPOS) {
                    VALID_REPOS.add(repo);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new DataException("invalid " + what + ": " + e.getMessage());
        }
        if (!RecordKeys.isMonth(month)) {
            throw new DataException("invalid month in " + what + ": expected YYYY-MM");
        }
    }

    /** {@code s} on one line and at most 200 characters, for messages. */
    static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }
}
