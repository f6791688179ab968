package dev.ghactivity.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.schemas.MonthlyActivityColumn;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.sink.convert.MonthlyActivityConverter;
import dev.ghactivity.sink.convert.MonthlyActivityKeyConverter;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One record of {@code github.monthly-activity} as the sinks see it: repo and month from the key, and the row
 * (a Struct of {@link MonthlyActivityConverter#SCHEMA}), or null for a tombstone. The converters validated the
 * key and the value, so everything that reaches SQL parameters or S3 keys passed validation.
 */
public record MonthlyActivityRecord(String repo, String month, Struct row, long offset) {
    /**
     * @throws ConnectException when the record was not converted by the sinks' converters (a configuration error)
     * @throws DataException    for a value that belongs to another key; the caller reports the record to Connect
     */
    public static MonthlyActivityRecord from(SinkRecord record) {
        if (!(record.key() instanceof String key) || !MonthlyActivityKeyConverter.SCHEMA.equals(record.keySchema())) {
            throw new ConnectException("the key of " + where(record) + " was not read by the sink's key converter: set key.converter="
                    + MonthlyActivityKeyConverter.class.getName() + " on the connector");
        }
        String repo = RecordKeys.repoOfMonthly(key);
        String month = RecordKeys.monthOfMonthly(key);
        if (record.value() == null) {
            return new MonthlyActivityRecord(repo, month, null, record.kafkaOffset());
        }
        if (!(record.value() instanceof Struct row) || !MonthlyActivityConverter.SCHEMA.equals(row.schema())) {
            throw new ConnectException("the value of " + where(record) + " was not read by the sink's value converter: set value.converter="
                    + MonthlyActivityConverter.class.getName() + " on the connector");
        }
        if (!repo.equals(row.getString("repo")) || !month.equals(row.getString("month"))) {
            throw new DataException("value of " + key + " is for " + row.getString("repo") + "|" + row.getString("month"));
        }
        return new MonthlyActivityRecord(repo, month, row, record.kafkaOffset());
    }

    private static String where(SinkRecord record) {
        return record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
    }

    public boolean isTombstone() {
        return row == null;
    }

    /** The row as JSON with exactly the columns of {@link MonthlyActivityColumn}, in their order. */
    public ObjectNode toJson() {
        return MonthlyActivityColumn.toJson(row::get);
    }
}
