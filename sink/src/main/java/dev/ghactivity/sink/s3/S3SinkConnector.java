package dev.ghactivity.sink.s3;

import dev.ghactivity.sink.Versions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes {@code github.monthly-activity} to S3 (or MinIO, S3Proxy) as gzip JSON Lines with deterministic
 * object names, so a retried flush overwrites instead of duplicating.
 */
public final class S3SinkConnector extends SinkConnector {
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new S3SinkConfig(props);
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return S3SinkTask.class;
    }

    /** Objects are per partition, so tasks never write the same object. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return S3SinkConfig.CONFIG_DEF;
    }

    /** The per-key validators, plus the one rule that spans two keys: both credentials or neither. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        boolean hasId = isSet(connectorConfigs.get(S3SinkConfig.ACCESS_KEY_ID));
        boolean hasSecret = isSet(connectorConfigs.get(S3SinkConfig.SECRET_ACCESS_KEY));
        if (hasId != hasSecret) {
            String missing = hasId ? S3SinkConfig.SECRET_ACCESS_KEY : S3SinkConfig.ACCESS_KEY_ID;
            config.configValues().stream().filter(v -> v.name().equals(missing)).forEach(v -> v.addErrorMessage(
                    S3SinkConfig.ACCESS_KEY_ID + " and " + S3SinkConfig.SECRET_ACCESS_KEY
                            + " go together: set both, or neither to use the AWS default credentials chain"));
        }
        return config;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isEmpty();
    }

    @Override
    public String version() {
        return Versions.version();
    }
}
