package dev.ghactivity.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordKeysTest {
    @ParameterizedTest
    @ValueSource(strings = {"2024-01", "2006-12", "0001-09", "9999-10"})
    void aMonthIsFourDigitsADashAndOneToTwelve(String month) {
        assertThat(RecordKeys.isMonth(month)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-00", "2024-13", "2024-1a", "20240-1", "2024-011", "2024/01", "2024-1", "", "../2024"})
    void anythingElseIsNot(String month) {
        assertThat(RecordKeys.isMonth(month)).isFalse();
    }
}
