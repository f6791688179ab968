package dev.ghactivity.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (magic {@code C3 01}, 8-byte schema fingerprint, binary body): every
 * record carries its schema's fingerprint, so readers detect a foreign record instead of misreading
 * it. {@code null} maps to {@code null} both ways (tombstones).
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T> {
    static {
        // Avro 1.12 only instantiates classes it trusts; ours are the generated records of this package.
        ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(current,
                c -> c.getPackageName().equals(AvroSerde.class.getPackageName())));
    }

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroSerde(Class<T> type) {
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        Schema schema = SpecificData.get().getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        // Records written by earlier versions carry their schema's fingerprint: resolve them to this one.
        for (Schema older : history(type)) {
            decoder.addSchema(older);
        }
    }

    /**
     * Earlier versions of {@code type}'s schema that records on the topics may still carry, kept as
     * {@code history/<Name>-<n>.avsc} beside the classes: every schema change adds the released one there
     * (and only backward-compatible changes are made: new fields with defaults).
     */
    static List<Schema> history(Class<?> type) {
        List<Schema> schemas = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = "history/" + type.getSimpleName() + "-" + version + ".avsc";
            try (InputStream in = AvroSerde.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return schemas;
                }
                schemas.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the schema " + resource, e);
            }
        }
    }

    public byte[] encode(T value) {
        if (value == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(value);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @throws SerializationException when the bytes are not a single-object-encoded {@code T}
     */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a " + type.getSimpleName() + " in Avro single-object encoding ("
                    + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> encode(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> decode(data);
    }
}
