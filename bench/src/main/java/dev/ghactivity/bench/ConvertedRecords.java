package dev.ghactivity.bench;

import dev.ghactivity.sink.convert.MonthlyActivityConverter;
import dev.ghactivity.sink.convert.MonthlyActivityKeyConverter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * What the Connect worker does before {@code put()}: the sinks' converters read each record's key and value
 * bytes. The sink benchmarks time it with the task, as the task's own decoding was timed before the converters.
 */
final class ConvertedRecords {
    private static final MonthlyActivityKeyConverter KEYS = new MonthlyActivityKeyConverter();
    private static final MonthlyActivityConverter VALUES = new MonthlyActivityConverter();

    private ConvertedRecords() {
    }

    /** {@code raw}: records with a String key and the value bytes as on the topic. */
    static List<SinkRecord> of(List<SinkRecord> raw) {
        List<SinkRecord> converted = new ArrayList<>(raw.size());
        for (SinkRecord r : raw) {
            SchemaAndValue key = KEYS.toConnectData(r.topic(), ((String) r.key()).getBytes(StandardCharsets.UTF_8));
            SchemaAndValue value = VALUES.toConnectData(r.topic(), (byte[]) r.value());
            converted.add(new SinkRecord(r.topic(), r.kafkaPartition(), key.schema(), key.value(), value.schema(), value.value(), r.kafkaOffset()));
        }
        return converted;
    }
}
