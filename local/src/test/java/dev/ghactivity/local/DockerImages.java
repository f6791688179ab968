package dev.ghactivity.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The image pins of {@code docker-compose.yml}, read from the project's {@code .env} (the file docker compose
 * reads for {@code ${KAFKA_IMAGE}} and the like), so the Docker tests run exactly the images users run.
 */
final class DockerImages {
    private DockerImages() {
    }

    static Path projectRoot() {
        return Path.of(System.getProperty("ghactivity.project.root", "..")).toAbsolutePath().normalize();
    }

    /** {@code NAME -> image:tag} of every {@code NAME=value} line of {@code root/.env}. */
    static Map<String, String> pins(Path root) {
        Map<String, String> pins = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(root.resolve(".env"))) {
                String trimmed = line.strip();
                int eq = trimmed.indexOf('=');
                if (!trimmed.isEmpty() && !trimmed.startsWith("#") && eq > 0) {
                    pins.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image pins in " + root.resolve(".env"), e);
        }
        return pins;
    }

    static String kafka(Path root) {
        return pin(root, "KAFKA_IMAGE");
    }

    static String minio(Path root) {
        return pin(root, "MINIO_IMAGE");
    }

    private static String pin(Path root, String name) {
        String image = pins(root).get(name);
        if (image == null) {
            throw new IllegalStateException(name + " is not set in " + root.resolve(".env"));
        }
        return image;
    }
}
