package dev.ghactivity.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The ghactivity version (the Maven project version, written into {@code version.properties} by the build),
 * as {@code --version} of every command line prints it: {@code <command> <version>}.
 */
public final class GhactivityVersion implements CommandLine.IVersionProvider {
    private static final String RESOURCE = "version.properties";

    /** E.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        try (InputStream in = GhactivityVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing next to " + GhactivityVersion.class.getName());
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"${COMMAND-FULL-NAME} " + get()};
    }
}
