package dev.ghactivity.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MonthlyActivityRecordTest {
    @Test
    void aValidRecordGivesRepoMonthAndRowFromTheKeyAndValue() {
        MonthlyActivityRecord r = MonthlyActivityRecord.from(Rows.record(0, 42, "Octo-Org/repo.js", "2012-03", 4, 1));
        assertThat(r.repo()).isEqualTo("Octo-Org/repo.js");
        assertThat(r.month()).isEqualTo("2012-03");
        assertThat(r.offset()).isEqualTo(42);
        assertThat(r.row().getCommits()).isEqualTo(4);
        assertThat(MonthlyActivityRecord.from(Rows.tombstone(0, 43, "Octo-Org/repo.js", "2012-03")).isTombstone()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b|2024-13", "a/b|2024-00", "a/b|2024-1a", "a/b|20240-1", "a/b|2024-011", "a/b|2024/01",
            "../x|2024-01", "a/b/c|2024-01", "a%2Fb|2024-01", "a/b?x=1|2024-01", "a/b", "-a/b|2024-01"})
    void keysThatCouldReachSqlOrS3KeysBadlyAreRefusedEvenOnceTheirRepoIsKnown(String key) {
        MonthlyActivityRecord.from(Rows.record(0, 0, "a/b", "2024-01", 1, 0)); // "a/b" is now a known repository
        assertThatThrownBy(() -> MonthlyActivityRecord.from(Rows.poison(0, 1, key))).isInstanceOf(DataException.class)
                .hasMessageContaining("invalid");
    }
}
