package dev.ghactivity.sink;

/** The connectors' version, from the jar manifest when packaged. */
public final class Versions {
    private Versions() {
    }

    public static String version() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
