package dev.ghactivity.producer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The GitHub credentials: none, one token or several (their budgets are spent together, see {@link TokenBudgets}),
 * kept out of every log line, exception and {@code toString()}: only {@link #authorizationHeader(int)} reveals one,
 * to be sent to the configured API host. A token is named by its position in the list (1-based), never its value.
 */
public final class GitHubToken {
    public static final String ENVIRONMENT_VARIABLE = "GITHUB_TOKEN";
    /** Several tokens, comma-separated; used instead of {@value #ENVIRONMENT_VARIABLE} when set. */
    public static final String SEVERAL_VARIABLE = "GITHUB_TOKENS";
    private static final GitHubToken NONE = new GitHubToken(List.of());

    private final List<String> values;

    private GitHubToken(List<String> values) {
        this.values = List.copyOf(values);
    }

    /** From {@code GITHUB_TOKENS} (comma-separated) if set, else {@code GITHUB_TOKEN}; absent or blank means unauthenticated. */
    public static GitHubToken fromEnvironment() {
        String several = System.getenv(SEVERAL_VARIABLE);
        if (several != null && !several.isBlank()) {
            return of(Arrays.asList(several.split(",")));
        }
        return of(System.getenv(ENVIRONMENT_VARIABLE));
    }

    /** From a file (e.g. a mounted secret): one token a line; blank lines and lines starting with {@code #} ignored. */
    public static GitHubToken fromFile(Path file) {
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.strip().startsWith("#")) {
                    lines.add(line);
                }
            }
            return of(lines);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
            throw new UncheckedIOException("cannot read the GitHub token file " + file + " (" + why + "): give a readable file "
                    + "holding the token(s), one a line, or set " + ENVIRONMENT_VARIABLE + " instead", e);
        }
    }

    public static GitHubToken of(String value) {
        return value == null || value.isBlank() ? NONE : new GitHubToken(List.of(value.strip()));
    }

    /** Several tokens, in this order; blank ones dropped, duplicates kept once. */
    public static GitHubToken of(List<String> values) {
        List<String> tokens = values.stream().filter(v -> v != null && !v.isBlank()).map(String::strip).distinct().toList();
        return tokens.isEmpty() ? NONE : new GitHubToken(tokens);
    }

    public static GitHubToken none() {
        return NONE;
    }

    public boolean isPresent() {
        return !values.isEmpty();
    }

    /** How many tokens there are (0 without any). */
    public int count() {
        return values.size();
    }

    /** {@code Bearer <token>} of the first token, or null without a token. */
    String authorizationHeader() {
        return values.isEmpty() ? null : authorizationHeader(0);
    }

    /** {@code Bearer <token>} of the token at this index (0-based). */
    String authorizationHeader(int index) {
        return "Bearer " + values.get(index);
    }

    /** Replaces every token in a text that may contain one (defence in depth for messages from elsewhere). */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        for (String value : values) {
            text = text.replace(value, "***");
        }
        return text;
    }

    @Override
    public String toString() {
        return values.isEmpty() ? "GitHubToken[none]" : values.size() == 1 ? "GitHubToken[***]" : "GitHubToken[" + values.size() + " tokens, ***]";
    }
}
