package dev.ghactivity.producer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The GitHub token, kept out of every log line, exception and {@code toString()}: only
 * {@link #authorizationHeader()} reveals it, to be sent to the configured API host.
 */
public final class GitHubToken {
    public static final String ENVIRONMENT_VARIABLE = "GITHUB_TOKEN";
    private static final GitHubToken NONE = new GitHubToken(null);

    private final String value;

    private GitHubToken(String value) {
        this.value = value;
    }

    /** From {@code GITHUB_TOKEN}; absent or blank means unauthenticated. */
    public static GitHubToken fromEnvironment() {
        return of(System.getenv(ENVIRONMENT_VARIABLE));
    }

    /** From the first line of a file (e.g. a mounted secret). */
    public static GitHubToken fromFile(Path file) {
        try {
            return of(Files.readString(file).strip());
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
            throw new UncheckedIOException("cannot read the GitHub token file " + file + " (" + why + "): give a readable file "
                    + "holding the token, or set " + ENVIRONMENT_VARIABLE + " instead", e);
        }
    }

    public static GitHubToken of(String value) {
        return value == null || value.isBlank() ? NONE : new GitHubToken(value.strip());
    }

    public static GitHubToken none() {
        return NONE;
    }

    public boolean isPresent() {
        return value != null;
    }

    /** {@code Bearer <token>}, or null without a token. */
    String authorizationHeader() {
        return value == null ? null : "Bearer " + value;
    }

    /** Replaces the token in a text that may contain it (defence in depth for messages from elsewhere). */
    public String redact(String text) {
        return value == null || text == null ? text : text.replace(value, "***");
    }

    @Override
    public String toString() {
        return value == null ? "GitHubToken[none]" : "GitHubToken[***]";
    }
}
