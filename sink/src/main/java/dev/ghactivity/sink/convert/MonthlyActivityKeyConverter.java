package dev.ghactivity.sink.convert;

import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.sink.Versions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * The {@code key.converter} of the sinks: the UTF-8 key {@code owner/name|YYYY-MM} of {@code github.monthly-activity}
 * as a string of schema {@link #SCHEMA}, once its repository and month are valid. A key that is not throws
 * {@link DataException}, so Connect applies {@code errors.tolerance} and the dead-letter queue to it; the sink tasks
 * refuse keys of any other schema, so no unvalidated key reaches SQL parameters or S3 object names.
 */
public final class MonthlyActivityKeyConverter implements Converter, Versioned {
    /** A string schema named for this converter: the tasks' proof that the key was validated. */
    public static final Schema SCHEMA = SchemaBuilder.string().name("dev.ghactivity.MonthlyActivityKey").build();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public String version() {
        return Versions.version();
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String key)) {
            throw new DataException("a monthly-activity key is a string owner/name|YYYY-MM, got " + value.getClass().getSimpleName());
        }
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** @throws DataException for a missing key or one that is not a valid {@code owner/name|YYYY-MM} */
    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            throw new DataException("record of " + topic + " has no key; expected owner/name|YYYY-MM");
        }
        String key = new String(value, StandardCharsets.UTF_8);
        String what = "key '" + MonthlyKeys.abbreviate(key) + "'";
        try {
            MonthlyKeys.check(RecordKeys.repoOfMonthly(key), RecordKeys.monthOfMonthly(key), what);
        } catch (IllegalArgumentException e) {
            throw new DataException("invalid " + what + ": " + e.getMessage());
        }
        return new SchemaAndValue(SCHEMA, key);
    }
}
