package dev.ghactivity.sink.convert;

import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.MonthlyActivityColumn;
import dev.ghactivity.sink.Versions;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * The {@code value.converter} of the sinks: a {@link MonthlyActivity} in Avro single-object encoding (see
 * {@link AvroSerde}) to a {@link Struct} of {@link #SCHEMA}, and back. A null value is a tombstone (a null
 * Struct). Bytes that are not a MonthlyActivity, or one whose repository or month is invalid, throw
 * {@link DataException}: Connect then applies {@code errors.tolerance}, so with {@code errors.tolerance=all} the
 * record goes to {@code errors.deadletterqueue.topic.name} as it was received and the sink goes on.
 */
public final class MonthlyActivityConverter implements Converter, Versioned {
    /**
     * The Connect schema of a row: the fields of {@link MonthlyActivityColumn} in order; counts are INT64,
     * {@code updated_at} a Connect {@link Timestamp} (a {@link java.util.Date}). Optional: tombstones are null.
     */
    public static final Schema SCHEMA = schema();
    private static final AvroSerde<MonthlyActivity> SERDE = AvroSerdes.monthlyActivity();

    private static Schema schema() {
        SchemaBuilder struct = SchemaBuilder.struct().name(MonthlyActivity.getClassSchema().getFullName()).optional();
        for (MonthlyActivityColumn c : MonthlyActivityColumn.ALL) {
            struct.field(c.column, switch (c.kind) {
                case TEXT -> Schema.STRING_SCHEMA;
                case COUNT -> Schema.INT64_SCHEMA;
                case TIMESTAMP -> Timestamp.SCHEMA;
            });
        }
        return struct.build();
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public String version() {
        return Versions.version();
    }

    /** @throws DataException when {@code value} is not a Struct of {@link #SCHEMA}'s fields */
    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Struct struct)) {
            throw new DataException("a monthly-activity value is a Struct, got " + value.getClass().getSimpleName());
        }
        MonthlyActivity row = new MonthlyActivity();
        try {
            for (MonthlyActivityColumn c : MonthlyActivityColumn.ALL) {
                Object field = struct.get(c.column);
                row.put(c.column, c.kind == MonthlyActivityColumn.Kind.TIMESTAMP ? MonthlyActivityColumn.instant(field) : field);
            }
        } catch (RuntimeException e) {
            throw new DataException("not a monthly-activity Struct: " + e.getMessage(), e);
        }
        return SERDE.encode(row);
    }

    /** @throws DataException when {@code value} is not a valid MonthlyActivity; null is a tombstone */
    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (value == null) {
            return new SchemaAndValue(SCHEMA, null);
        }
        MonthlyActivity row;
        try {
            row = SERDE.decode(value);
        } catch (SerializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DataException("value on " + topic + " is not a MonthlyActivity in Avro single-object encoding ("
                    + value.length + " bytes): " + cause.getMessage(), e);
        }
        MonthlyKeys.check(row.getRepo(), row.getMonth(), "value for '" + MonthlyKeys.abbreviate(row.getRepo() + "|" + row.getMonth()) + "'");
        Struct struct = new Struct(SCHEMA);
        for (MonthlyActivityColumn c : MonthlyActivityColumn.ALL) {
            Object field = row.get(c.column);
            struct.put(c.column, c.kind == MonthlyActivityColumn.Kind.TIMESTAMP
                    ? Date.from(MonthlyActivityColumn.instant(field)) : field);
        }
        return new SchemaAndValue(SCHEMA, struct);
    }
}
