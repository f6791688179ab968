package dev.ghactivity.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class MonthlyActivityRecordTest {
    @Test
    void aValidRecordGivesRepoMonthAndRowFromTheKeyAndValue() {
        MonthlyActivityRecord r = MonthlyActivityRecord.from(Rows.record(0, 42, "Octo-Org/repo.js", "2012-03", 4, 1));
        assertThat(r.repo()).isEqualTo("Octo-Org/repo.js");
        assertThat(r.month()).isEqualTo("2012-03");
        assertThat(r.offset()).isEqualTo(42);
        assertThat(r.row().getInt64("commits")).isEqualTo(4);
        assertThat(r.toJson().toString()).isEqualTo("{\"repo\":\"Octo-Org/repo.js\",\"month\":\"2012-03\",\"commits\":4,"
                + "\"commit_authors\":3,\"issues_opened\":1,\"issues_closed\":0,\"prs_opened\":1,\"prs_merged\":0,"
                + "\"updated_at\":\"2026-01-02T03:04:05Z\"}");
        assertThat(MonthlyActivityRecord.from(Rows.tombstone(0, 43, "Octo-Org/repo.js", "2012-03")).isTombstone()).isTrue();
    }

    @Test
    void aValueOfAnotherKeyIsADataExceptionForTheDeadLetterQueue() {
        assertThatThrownBy(() -> MonthlyActivityRecord.from(Rows.poison(0, 1, "a/b|2024-01"))).isInstanceOf(DataException.class)
                .hasMessage("value of a/b|2024-01 is for other/repo|2000-01");
    }

    @Test
    void recordsNotReadByTheSinksConvertersFailTheTaskNamingTheSettingToFix() {
        SinkRecord rawKey = new SinkRecord(Topics.MONTHLY_ACTIVITY, 0, Schema.STRING_SCHEMA, "a/b|2024-01",
                Schema.OPTIONAL_BYTES_SCHEMA, null, 5);
        assertThatThrownBy(() -> MonthlyActivityRecord.from(rawKey)).isInstanceOf(ConnectException.class)
                .isNotInstanceOf(DataException.class)
                .hasMessageContaining("key.converter=dev.ghactivity.sink.convert.MonthlyActivityKeyConverter");
        SinkRecord good = Rows.record(0, 6, "a/b", "2024-01", 1, 0);
        SinkRecord rawValue = good.newRecord(good.topic(), 0, good.keySchema(), good.key(), Schema.OPTIONAL_BYTES_SCHEMA,
                AvroSerdes.monthlyActivity().encode(Rows.activity("a/b", "2024-01", 1, 0)), null);
        assertThatThrownBy(() -> MonthlyActivityRecord.from(rawValue)).isInstanceOf(ConnectException.class)
                .isNotInstanceOf(DataException.class)
                .hasMessageContaining("value.converter=dev.ghactivity.sink.convert.MonthlyActivityConverter");
    }
}
