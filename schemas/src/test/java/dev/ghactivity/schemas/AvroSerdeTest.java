package dev.ghactivity.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
    @Test
    void aCursorWrittenWithTheFirstSchemaIsReadWithTheCurrentOne() throws Exception {
        Schema v1 = AvroSerde.history(IngestCursor.class).get(0);
        assertThat(v1.getField("last_full_read_at")).isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("repo", "octo/repo");
        old.put("endpoint", "commits");
        old.put("since", Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
        old.put("etag", "\"abc\"");
        old.put("resume_url", null);
        old.put("items_published", 42L);
        old.put("recent_items", Map.of("octo/repo@1234567", 99L));
        old.put("last_run_at", Instant.parse("2024-05-01T10:05:00Z").toEpochMilli());
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        IngestCursor read = AvroSerdes.ingestCursor().decode(bytes);

        assertThat(read.getRepo()).isEqualTo("octo/repo");
        assertThat(read.getSince()).isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
        assertThat(read.getItemsPublished()).isEqualTo(42L);
        assertThat(read.getRecentItems()).containsEntry("octo/repo@1234567", 99L);
        assertThat(read.getLastFullReadAt()).isNull();
    }

    @Test
    void aCursorWrittenWithTheSecondSchemaKeepsItsKnownNumbersAndHasNoHead() throws Exception {
        Schema v2 = AvroSerde.history(IngestCursor.class).get(1);
        assertThat(v2.getField("known_numbers")).isNotNull();
        assertThat(v2.getField("head_sha")).isNull();
        GenericRecord old = new GenericData.Record(v2);
        old.put("repo", "octo/repo");
        old.put("endpoint", "issues");
        old.put("items_published", 7L);
        old.put("recent_items", Map.of());
        old.put("last_run_at", Instant.parse("2026-11-01T10:05:00Z").toEpochMilli());
        old.put("last_full_read_at", Instant.parse("2026-11-01T10:00:00Z").toEpochMilli());
        old.put("known_numbers", ByteBuffer.wrap(java.util.BitSet.valueOf(new long[] {0b1011}).toByteArray()));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        IngestCursor read = AvroSerdes.ingestCursor().decode(bytes);

        assertThat(java.util.BitSet.valueOf(read.getKnownNumbers())).isEqualTo(java.util.BitSet.valueOf(new long[] {0b1011}));
        assertThat(read.getLastFullReadAt()).isEqualTo(Instant.parse("2026-11-01T10:00:00Z"));
        assertThat(read.getHeadSha()).isNull();
    }

    @Test
    void aMonthlyRowOfThePreviousReleaseIsReadWithTheNewMetricsAtTheirDefaults() throws Exception {
        Schema v1 = AvroSerde.history(MonthlyActivity.class).get(0);
        assertThat(v1.getField("new_contributors")).isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("repo", "octo/repo");
        old.put("month", "2024-01");
        old.put("commits", 5L);
        old.put("commit_authors", 2L);
        old.put("issues_opened", 1L);
        old.put("issues_closed", 3L);
        old.put("prs_opened", 4L);
        old.put("prs_merged", 1L);
        old.put("updated_at", Instant.parse("2026-11-01T10:00:00Z").toEpochMilli());
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        MonthlyActivity read = AvroSerdes.monthlyActivity().decode(bytes);

        assertThat(read).isEqualTo(MonthlyActivity.newBuilder().setRepo("octo/repo").setMonth("2024-01").setCommits(5)
                .setCommitAuthors(2).setIssuesOpened(1).setIssuesClosed(3).setPrsOpened(4).setPrsMerged(1)
                .setUpdatedAt(Instant.parse("2026-11-01T10:00:00Z")).build());
        assertThat(read.getPrsClosedUnmerged()).isZero();
        assertThat(read.getPrMergeHoursP50()).isNull();
        assertThat(read.getNewContributors()).isZero();
    }

    @Test
    void aRecordOfAnotherTypeIsRefusedWithAClearError() {
        byte[] activity = AvroSerdes.monthlyActivity().encode(MonthlyActivity.newBuilder().setRepo("a/b").setMonth("2024-01")
                .setCommits(1).setCommitAuthors(1).setIssuesOpened(0).setIssuesClosed(0).setPrsOpened(0).setPrsMerged(0)
                .setUpdatedAt(Instant.EPOCH).build());
        assertThatThrownBy(() -> AvroSerdes.ingestCursor().decode(activity)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a IngestCursor");
        assertThat(AvroSerdes.ingestCursor().decode(null)).isNull();
    }
}
