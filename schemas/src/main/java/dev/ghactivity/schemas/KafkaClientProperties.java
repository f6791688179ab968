package dev.ghactivity.schemas;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Extra Kafka client properties for every client a process creates (security, SASL, timeouts...), the way
 * Kafka's own tools take them: a {@code client.properties} file ({@code --kafka-config}) and single
 * {@code KEY=VALUE} overrides ({@code -X}). Shared by the producer's and the streams-app's command lines.
 */
public final class KafkaClientProperties {
    private KafkaClientProperties() {
    }

    /**
     * The properties of {@code file} (may be null) with {@code overrides} (may be null) on top.
     *
     * @throws IllegalArgumentException if the file cannot be read, naming the file and why (never its content:
     *                                  it usually holds passwords)
     */
    public static Map<String, String> load(Path file, Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot read the Kafka client properties file " + file + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage().split("\n")[0]), e);
            }
            properties.stringPropertyNames().forEach(name -> merged.put(name, properties.getProperty(name).trim()));
        }
        if (overrides != null) {
            merged.putAll(overrides);
        }
        return merged;
    }
}
