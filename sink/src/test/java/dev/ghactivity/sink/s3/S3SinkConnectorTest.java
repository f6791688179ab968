package dev.ghactivity.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class S3SinkConnectorTest {
    private static Map<String, List<String>> errors(Map<String, String> props) {
        return new S3SinkConnector().validate(props).configValues().stream()
                .filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void validateNamesEveryBadSettingAndAMissingHalfOfTheCredentials() {
        Map<String, List<String>> errors = errors(Map.of(S3SinkConfig.BUCKET, "Not_A_Bucket", S3SinkConfig.MODE, "append",
                S3SinkConfig.ENDPOINT, "127.0.0.1:9000", S3SinkConfig.ACCESS_KEY_ID, "id"));
        assertThat(errors).containsOnlyKeys(S3SinkConfig.BUCKET, S3SinkConfig.MODE, S3SinkConfig.ENDPOINT, S3SinkConfig.SECRET_ACCESS_KEY);
        assertThat(errors.get(S3SinkConfig.SECRET_ACCESS_KEY)).singleElement().asString().contains("go together");
    }

    @Test
    void aValidConfigHasNoErrorsAndEmptyCredentialsMeanTheDefaultChain() {
        assertThat(errors(Map.of(S3SinkConfig.BUCKET, "activity", S3SinkConfig.MODE, "CHANGELOG",
                S3SinkConfig.ACCESS_KEY_ID, "", S3SinkConfig.SECRET_ACCESS_KEY, ""))).isEmpty();
        S3SinkConfig config = new S3SinkConfig(Map.of(S3SinkConfig.BUCKET, "activity",
                S3SinkConfig.ACCESS_KEY_ID, "", S3SinkConfig.SECRET_ACCESS_KEY, ""));
        assertThat(config.accessKeyId()).isNull();
        assertThat(config.mode()).isEqualTo(S3SinkConfig.Mode.SNAPSHOT);
        assertThat(config.compression()).isEqualTo(S3SinkConfig.Compression.GZIP);
    }

    @Test
    void theConfigRejectsHalfTheCredentialsWithoutPrintingTheSecret() {
        assertThatThrownBy(() -> new S3SinkConfig(Map.of(S3SinkConfig.BUCKET, "activity", S3SinkConfig.SECRET_ACCESS_KEY, "s3cr3t")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("go together")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    @Test
    void everyTaskGetsTheConnectorsSettings() {
        S3SinkConnector connector = new S3SinkConnector();
        connector.start(Map.of(S3SinkConfig.BUCKET, "activity"));
        assertThat(connector.taskConfigs(3)).hasSize(3).allMatch(c -> c.equals(Map.of(S3SinkConfig.BUCKET, "activity")));
        assertThat(connector.version()).isNotBlank();
    }
}
