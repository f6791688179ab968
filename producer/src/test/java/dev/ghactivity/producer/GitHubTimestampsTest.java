package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitHubTimestampsTest {
    @ParameterizedTest
    @ValueSource(strings = {"2024-01-31T23:59:59Z", "2006-08-01T00:00:00Z", "2012-02-29T23:30:00-08:00",
            "2020-12-31T16:00:00+08:00", "2021-06-01T12:00:00.123Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"})
    void gives_the_instant_the_full_iso_parser_gives(String text) {
        assertThat(GitHubTimestamps.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z",
            "2024-01-0aT00:00:00Z", "2024-01-01 00:00:00Z", "yesterday", "", "2024-01-01T00:00:00"})
    void refuses_what_is_not_a_timestamp(String text) {
        assertThatThrownBy(() -> GitHubTimestamps.parse(text)).isInstanceOf(DateTimeException.class);
    }

    @org.junit.jupiter.api.Test
    void reads_utc_digit_by_digit() {
        assertThat(GitHubTimestamps.parse("2012-03-01T07:30:00Z")).isEqualTo(Instant.parse("2012-03-01T07:30:00Z"));
    }
}
