package dev.ghactivity.sink.sqlite;

import dev.ghactivity.sink.Versions;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes {@code github.monthly-activity} into a SQLite table (upserts of absolute values, tombstones delete)
 * plus the seed-compatible views {@code aggregate_commits} and {@code aggregate_issues}.
 */
public final class SqliteSinkConnector extends SinkConnector {
    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new SqliteSinkConfig(props); // fail fast on a bad config
        this.props = new HashMap<>(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return SqliteSinkTask.class;
    }

    /** SQLite has one writer at a time: one task. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return Collections.singletonList(props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return SqliteSinkConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Versions.version();
    }
}
