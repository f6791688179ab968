package dev.ghactivity.sink;

import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.time.Instant;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

/** Sink records as the worker hands them over (StringConverter key, ByteArrayConverter value). */
public final class Rows {
    private Rows() {
    }

    public static MonthlyActivity activity(String repo, String month, long commits, long issuesOpened) {
        return MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(commits).setCommitAuthors(Math.min(commits, 3))
                .setIssuesOpened(issuesOpened).setIssuesClosed(0).setPrsOpened(1).setPrsMerged(0)
                .setUpdatedAt(Instant.parse("2026-01-02T03:04:05Z")).build();
    }

    public static SinkRecord record(int partition, long offset, String repo, String month, long commits, long issuesOpened) {
        return new SinkRecord(Topics.MONTHLY_ACTIVITY, partition, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                Schema.OPTIONAL_BYTES_SCHEMA, AvroSerdes.monthlyActivity().encode(activity(repo, month, commits, issuesOpened)), offset);
    }

    public static SinkRecord tombstone(int partition, long offset, String repo, String month) {
        return new SinkRecord(Topics.MONTHLY_ACTIVITY, partition, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                Schema.OPTIONAL_BYTES_SCHEMA, null, offset);
    }

    public static SinkRecord poison(int partition, long offset, String key) {
        return new SinkRecord(Topics.MONTHLY_ACTIVITY, partition, Schema.STRING_SCHEMA, key,
                Schema.OPTIONAL_BYTES_SCHEMA, "{\"not\":\"avro\"}".getBytes(), offset);
    }
}
