package dev.ghactivity.streams;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The change of one input item, as the repartition carries it: what it counted in before (null when new) and
 * what it counts in now (null when deleted). The aggregator subtracts the one and adds the other.
 */
record ContributionChange(ItemContributions before, ItemContributions after) {
    private static final int BEFORE = 1;
    private static final int AFTER = 2;

    static Serde<ContributionChange> serde() {
        Serializer<ContributionChange> serializer = (topic, v) -> v == null ? null : v.toBytes();
        Deserializer<ContributionChange> deserializer = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** The serde of the per-item store: what each item was last counted in. */
    static Serde<ItemContributions> itemSerde() {
        Serializer<ItemContributions> serializer = (topic, v) -> v == null ? null : v.toBytes();
        Deserializer<ItemContributions> deserializer = (topic, bytes) -> bytes == null ? null : ItemContributions.fromBytes(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte((before != null ? BEFORE : 0) | (after != null ? AFTER : 0));
            if (before != null) {
                before.writeTo(out);
            }
            if (after != null) {
                after.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static ContributionChange fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int present = in.readByte();
            ItemContributions before = (present & BEFORE) != 0 ? ItemContributions.readFrom(in) : null;
            ItemContributions after = (present & AFTER) != 0 ? ItemContributions.readFrom(in) : null;
            return new ContributionChange(before, after);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a contribution change (" + bytes.length + " bytes)", e);
        }
    }
}
