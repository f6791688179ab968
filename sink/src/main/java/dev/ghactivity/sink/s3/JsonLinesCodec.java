package dev.ghactivity.sink.s3;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** The body of an object: JSON Lines in UTF-8, gzip-compressed or not ({@code compression}). */
final class JsonLinesCodec {
    private final S3SinkConfig.Compression compression;

    JsonLinesCodec(S3SinkConfig.Compression compression) {
        this.compression = compression;
    }

    /** The object-name suffix, e.g. {@code .jsonl.gz}. */
    String extension() {
        return compression.extension;
    }

    /** The Content-Encoding header of the objects, or null. */
    String contentEncoding() {
        return compression == S3SinkConfig.Compression.GZIP ? "gzip" : null;
    }

    byte[] encode(List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = compression == S3SinkConfig.Compression.GZIP ? new GZIPOutputStream(bytes) : bytes) {
            for (String line : lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The non-blank lines of {@code object}.
     *
     * @throws UncheckedIOException when it is not in this compression (e.g. not gzip)
     */
    List<String> decode(byte[] object) {
        try (InputStream in = compression == S3SinkConfig.Compression.GZIP
                ? new GZIPInputStream(new ByteArrayInputStream(object)) : new ByteArrayInputStream(object);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
