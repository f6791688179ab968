package dev.ghactivity.sink.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MonthlyActivityKeyConverterTest {
    private final MonthlyActivityKeyConverter converter = new MonthlyActivityKeyConverter();

    @Test
    void aValidKeyIsAStringOfTheKeySchemaAndGoesBackToTheSameBytes() {
        byte[] bytes = "Octo-Org/repo.js|2012-03".getBytes(StandardCharsets.UTF_8);
        SchemaAndValue key = converter.toConnectData("t", bytes);
        assertThat(key).isEqualTo(new SchemaAndValue(MonthlyActivityKeyConverter.SCHEMA, "Octo-Org/repo.js|2012-03"));
        assertThat(converter.fromConnectData("t", key.schema(), key.value())).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b|2024-13", "a/b|2024-00", "a/b|2024-1a", "a/b|20240-1", "a/b|2024-011", "a/b|2024/01",
            "../x|2024-01", "a/b/c|2024-01", "a%2Fb|2024-01", "a/b?x=1|2024-01", "a/b", "-a/b|2024-01", "../../etc|2024-01"})
    void keysThatCouldReachSqlOrS3KeysBadlyAreRefusedEvenOnceTheirRepoIsKnown(String key) {
        converter.toConnectData("t", "a/b|2024-01".getBytes(StandardCharsets.UTF_8)); // "a/b" is now a known repository
        assertThatThrownBy(() -> converter.toConnectData("t", key.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DataException.class).hasMessageContaining("invalid");
    }

    @Test
    void aMissingKeyIsRefused() {
        assertThatThrownBy(() -> converter.toConnectData("github.monthly-activity", null)).isInstanceOf(DataException.class)
                .hasMessage("record of github.monthly-activity has no key; expected owner/name|YYYY-MM");
    }
}
