package dev.ghactivity.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.AvroSerdes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One record of {@code github.monthly-activity} as the sinks see it: a validated repo and month from the key,
 * and the decoded row, or null for a tombstone. Everything that reaches SQL parameters or S3 keys passed
 * validation here.
 */
public record MonthlyActivityRecord(String repo, String month, MonthlyActivity row, long offset) {
    /**
     * Repository names already validated: a deployment watches few repositories, and the regexes of
     * {@link RepositoryName#parse} were the largest item of the sink's own work in a profile. Bounded, so
     * a stream of distinct bad names cannot grow it.
     */
    private static final Set<String> VALID_REPOS = ConcurrentHashMap.newKeySet();
    private static final int MAX_CACHED_REPOS = 10_000;
    private static final AvroSerde<MonthlyActivity> SERDE = AvroSerdes.monthlyActivity();
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @throws DataException for a key that is not {@code owner/name|YYYY-MM}, or a value that is not a
     *                       MonthlyActivity of that key; the caller sends the record to the dead-letter queue
     */
    public static MonthlyActivityRecord from(SinkRecord record) {
        if (!(record.key() instanceof String key)) {
            throw new DataException("record key must be a string owner/name|YYYY-MM (use key.converter=StringConverter), got "
                    + (record.key() == null ? "null" : record.key().getClass().getSimpleName()));
        }
        String repo;
        String month;
        try {
            repo = RecordKeys.repoOfMonthly(key);
            month = RecordKeys.monthOfMonthly(key);
            if (!VALID_REPOS.contains(repo)) {
                RepositoryName.parse(repo);
                if (VALID_REPOS.size() < MAX_CACHED_REPOS) {
                    VALID_REPOS.add(repo);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new DataException("invalid key '" + abbreviate(key) + "': " + e.getMessage());
        }
        if (!RecordKeys.isMonth(month)) {
            throw new DataException("invalid month in key '" + abbreviate(key) + "': expected YYYY-MM");
        }
        if (record.value() == null) {
            return new MonthlyActivityRecord(repo, month, null, record.kafkaOffset());
        }
        if (!(record.value() instanceof byte[] bytes)) {
            throw new DataException("record value must be bytes (use value.converter=ByteArrayConverter), got "
                    + record.value().getClass().getSimpleName());
        }
        MonthlyActivity row;
        try {
            row = SERDE.decode(bytes);
        } catch (RuntimeException e) {
            throw new DataException("value of " + abbreviate(key) + " is not a MonthlyActivity: " + e.getMessage(), e);
        }
        if (!repo.equals(row.getRepo()) || !month.equals(row.getMonth())) {
            throw new DataException("value of " + abbreviate(key) + " is for " + row.getRepo() + "|" + row.getMonth());
        }
        return new MonthlyActivityRecord(repo, month, row, record.kafkaOffset());
    }

    public boolean isTombstone() {
        return row == null;
    }

    /** The row as JSON with exactly the SQLite columns, in their order. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("repo", repo);
        n.put("month", month);
        n.put("commits", row.getCommits());
        n.put("commit_authors", row.getCommitAuthors());
        n.put("issues_opened", row.getIssuesOpened());
        n.put("issues_closed", row.getIssuesClosed());
        n.put("prs_opened", row.getPrsOpened());
        n.put("prs_merged", row.getPrsMerged());
        n.put("updated_at", row.getUpdatedAt().toString());
        return n;
    }

    private static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }
}
