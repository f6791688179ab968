package dev.ghactivity.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class MonthlyActivityColumnTest {
    @Test
    void theColumnsAreTheFieldsOfTheAvroRecordInOrderWithMatchingKinds() {
        Map<String, MonthlyActivityColumn.Kind> fromAvro = new LinkedHashMap<>();
        for (Schema.Field f : MonthlyActivity.getClassSchema().getFields()) {
            Schema s = f.schema();
            MonthlyActivityColumn.Kind kind = s.getType() == Schema.Type.STRING ? MonthlyActivityColumn.Kind.TEXT
                    : s.getLogicalType() instanceof LogicalTypes.TimestampMillis ? MonthlyActivityColumn.Kind.TIMESTAMP
                    : s.getType() == Schema.Type.LONG ? MonthlyActivityColumn.Kind.COUNT : null;
            fromAvro.put(f.name(), kind);
        }
        Map<String, MonthlyActivityColumn.Kind> columns = new LinkedHashMap<>();
        MonthlyActivityColumn.ALL.forEach(c -> columns.put(c.column, c.kind));
        assertThat(columns).containsExactlyEntriesOf(fromAvro);
    }

    @Test
    void theJsonRowHasEveryColumnInOrderWithTimestampsInIsoUtc() {
        MonthlyActivity row = MonthlyActivity.newBuilder().setRepo("o/r").setMonth("2024-02").setCommits(5).setCommitAuthors(2)
                .setIssuesOpened(3).setIssuesClosed(1).setPrsOpened(4).setPrsMerged(0)
                .setUpdatedAt(Instant.parse("2024-02-03T04:05:06.789Z")).build();
        String expected = "{\"repo\":\"o/r\",\"month\":\"2024-02\",\"commits\":5,\"commit_authors\":2,\"issues_opened\":3,"
                + "\"issues_closed\":1,\"prs_opened\":4,\"prs_merged\":0,\"updated_at\":\"2024-02-03T04:05:06.789Z\"}";
        assertThat(MonthlyActivityColumn.toJson(row).toString()).isEqualTo(expected);
        // The same row read from a map whose timestamp is a java.util.Date (as in a Connect Struct).
        Map<String, Object> fields = new LinkedHashMap<>();
        MonthlyActivityColumn.ALL.forEach(c -> fields.put(c.column, row.get(c.column)));
        fields.put("updated_at", Date.from(row.getUpdatedAt()));
        assertThat(MonthlyActivityColumn.toJson(fields::get).toString()).isEqualTo(expected);
    }
}
