package dev.ghactivity.sink;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.convert.MonthlyActivityConverter;
import dev.ghactivity.sink.convert.MonthlyActivityKeyConverter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;

/** Sink records as the worker hands them over: bytes read by the sinks' key and value converters. */
public final class Rows {
    private static final MonthlyActivityKeyConverter KEYS = new MonthlyActivityKeyConverter();
    private static final MonthlyActivityConverter VALUES = new MonthlyActivityConverter();

    private Rows() {
    }

    public static MonthlyActivity activity(String repo, String month, long commits, long issuesOpened) {
        return MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(commits).setCommitAuthors(Math.min(commits, 3))
                .setIssuesOpened(issuesOpened).setIssuesClosed(0).setPrsOpened(1).setPrsMerged(0)
                .setUpdatedAt(Instant.parse("2026-01-02T03:04:05Z")).build();
    }

    public static SinkRecord record(int partition, long offset, String repo, String month, long commits, long issuesOpened) {
        return converted(partition, offset, RecordKeys.monthly(repo, month),
                AvroSerdes.monthlyActivity().encode(activity(repo, month, commits, issuesOpened)));
    }

    public static SinkRecord tombstone(int partition, long offset, String repo, String month) {
        return converted(partition, offset, RecordKeys.monthly(repo, month), null);
    }

    /**
     * A record both converters accept whose value is another key's row: the one bad record only the task can see
     * (undecodable values and invalid keys are the converters' to refuse, see the converter tests).
     */
    public static SinkRecord poison(int partition, long offset, String key) {
        return converted(partition, offset, key, AvroSerdes.monthlyActivity().encode(activity("other/repo", "2000-01", 1, 0)));
    }

    /** A record read by the worker's converters from the key and value bytes of {@link Topics#MONTHLY_ACTIVITY}. */
    public static SinkRecord converted(int partition, long offset, String key, byte[] value) {
        SchemaAndValue k = KEYS.toConnectData(Topics.MONTHLY_ACTIVITY, key.getBytes(StandardCharsets.UTF_8));
        SchemaAndValue v = VALUES.toConnectData(Topics.MONTHLY_ACTIVITY, value);
        return new SinkRecord(Topics.MONTHLY_ACTIVITY, partition, k.schema(), k.value(), v.schema(), v.value(), offset);
    }
}
