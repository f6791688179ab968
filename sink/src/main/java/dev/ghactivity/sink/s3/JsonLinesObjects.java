package dev.ghactivity.sink.s3;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.connect.errors.ConnectException;

/** Objects of JSON lines in the bucket: the store and the codec together, and how many requests were made. */
final class JsonLinesObjects {
    private final S3ObjectStore store;
    private final JsonLinesCodec codec;
    private final S3SinkConfig.Compression compression;
    private long puts;
    private long gets;

    JsonLinesObjects(S3ObjectStore store, S3SinkConfig.Compression compression) {
        this.store = store;
        this.codec = new JsonLinesCodec(compression);
        this.compression = compression;
    }

    String extension() {
        return codec.extension();
    }

    String bucket() {
        return store.bucket();
    }

    /** Writes (replaces) the object {@code key}: one line each, encoded. */
    void put(String key, List<String> lines) {
        store.put(key, codec.encode(lines), codec.contentEncoding());
        puts++;
    }

    /**
     * The lines of object {@code key}, or empty if there is none.
     *
     * @throws ConnectException when the object is not JSON Lines in the configured compression: the sink would
     *                          overwrite it, so it stops and says what to do
     */
    Optional<List<String>> get(String key) {
        gets++;
        return store.get(key).map(bytes -> {
            try {
                return codec.decode(bytes);
            } catch (UncheckedIOException e) {
                throw new ConnectException("s3://" + store.bucket() + "/" + key + " is not " + compression.name().toLowerCase()
                        + " JSON Lines (" + e.getCause().getMessage() + "); the sink rewrites this object: move it away or fix "
                        + S3SinkConfig.COMPRESSION, e);
            }
        });
    }

    /** Keys under {@code prefix} that sort after {@code startAfter} (null: all), in key order. */
    List<String> list(String prefix, String startAfter) {
        return store.list(prefix, startAfter);
    }

    void delete(String key) {
        store.delete(key);
    }

    /** PUT requests made (benchmarks report rows per PUT). */
    long putRequests() {
        return puts;
    }

    /** Objects read back. */
    long getRequests() {
        return gets;
    }
}
