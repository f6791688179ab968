package dev.ghactivity.sink.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.MonthlyActivity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class MonthlyActivityConverterTest {
    private static final MonthlyActivity ROW = MonthlyActivity.newBuilder().setRepo("o/r").setMonth("2024-02").setCommits(5)
            .setCommitAuthors(2).setIssuesOpened(3).setIssuesClosed(1).setPrsOpened(4).setPrsMerged(6)
            .setUpdatedAt(Instant.parse("2024-02-03T04:05:06.789Z")).build();
    private final MonthlyActivityConverter converter = new MonthlyActivityConverter();

    @Test
    void aRowBecomesAStructWithEveryFieldAndGoesBackToTheSameBytes() {
        byte[] bytes = AvroSerdes.monthlyActivity().encode(ROW);
        SchemaAndValue converted = converter.toConnectData("t", bytes);
        Struct expected = new Struct(MonthlyActivityConverter.SCHEMA).put("repo", "o/r").put("month", "2024-02").put("commits", 5L)
                .put("commit_authors", 2L).put("issues_opened", 3L).put("issues_closed", 1L).put("prs_opened", 4L)
                .put("prs_merged", 6L).put("updated_at", Date.from(Instant.parse("2024-02-03T04:05:06.789Z")));
        assertThat(converted).isEqualTo(new SchemaAndValue(MonthlyActivityConverter.SCHEMA, expected));
        assertThat(converter.fromConnectData("t", converted.schema(), converted.value())).isEqualTo(bytes);
    }

    @Test
    void theSchemaIsTheNamedOptionalStructOfTheColumns() {
        Schema schema = MonthlyActivityConverter.SCHEMA;
        assertThat(schema.name()).isEqualTo("dev.ghactivity.schemas.MonthlyActivity");
        assertThat(schema.isOptional()).isTrue();
        assertThat(schema.fields()).extracting(f -> f.name() + ":" + f.schema().type() + (f.schema().name() == null ? "" : ":" + f.schema().name()))
                .containsExactly("repo:STRING", "month:STRING", "commits:INT64", "commit_authors:INT64", "issues_opened:INT64",
                        "issues_closed:INT64", "prs_opened:INT64", "prs_merged:INT64", "updated_at:INT64:org.apache.kafka.connect.data.Timestamp");
    }

    @Test
    void aNullValueIsATombstoneBothWays() {
        assertThat(converter.toConnectData("t", null)).isEqualTo(new SchemaAndValue(MonthlyActivityConverter.SCHEMA, null));
        assertThat(converter.fromConnectData("t", MonthlyActivityConverter.SCHEMA, null)).isNull();
    }

    @Test
    void bytesThatAreNotAMonthlyActivityThrowDataExceptionForConnectsErrorHandling() {
        assertThatThrownBy(() -> converter.toConnectData("github.monthly-activity", "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("value on github.monthly-activity is not a MonthlyActivity in Avro single-object encoding (14 bytes): ");
        byte[] cursor = AvroSerdes.ingestCursor().encode(dev.ghactivity.schemas.IngestCursor.newBuilder().setRepo("o/r")
                .setEndpoint("commits").setLastRunAt(Instant.EPOCH).build());
        assertThatThrownBy(() -> converter.toConnectData("t", cursor)).isInstanceOf(DataException.class)
                .hasMessageContaining("is not a MonthlyActivity");
    }

    @Test
    void aRowWhoseRepositoryOrMonthCouldReachSqlOrS3KeysBadlyIsRefused() {
        for (MonthlyActivity bad : new MonthlyActivity[] {
                MonthlyActivity.newBuilder(ROW).setRepo("../../etc").build(), MonthlyActivity.newBuilder(ROW).setMonth("2024-13").build()}) {
            assertThatThrownBy(() -> converter.toConnectData("t", AvroSerdes.monthlyActivity().encode(bad)))
                    .isInstanceOf(DataException.class).hasMessageContaining("invalid");
        }
    }

    @Test
    void aValueThatIsNotAStructOfTheColumnsIsRefused() {
        assertThatThrownBy(() -> converter.fromConnectData("t", Schema.BYTES_SCHEMA, new byte[] {1}))
                .isInstanceOf(DataException.class).hasMessageContaining("Struct");
    }
}
