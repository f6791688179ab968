package dev.ghactivity.producer;

import dev.ghactivity.schemas.RepositoryName;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which repositories to ingest: named ones ({@code owner/name}), globs on one owner's repositories
 * ({@code apache/kafka*}), whole organizations ({@code GET /orgs/{org}/repos}) and users' repositories
 * ({@code GET /users/{user}/repos}), less those matching an exclusion glob. Forks and archived repositories that
 * only a listing brings in are left out unless asked for; a named repository is always kept (unless excluded).
 * Globs are {@link java.nio.file.FileSystem#getPathMatcher glob} patterns on the lower-case full name
 * ({@code *} does not cross the {@code /}).
 */
public record RepositorySelection(List<String> patterns, List<String> orgs, List<String> users, List<String> excludes,
                                  boolean includeForks, boolean includeArchived) {
    private static final String GLOB_CHARACTERS = "*?[{";

    /** For the log: e.g. {@code [apache/kafka, org acme, user octocat, excluding acme/tmp-*]}. */
    @Override
    public String toString() {
        List<String> parts = new java.util.ArrayList<>(patterns);
        orgs.forEach(o -> parts.add("org " + o));
        users.forEach(u -> parts.add("user " + u));
        excludes.forEach(e -> parts.add("excluding " + e));
        if (includeForks) {
            parts.add("forks included");
        }
        if (includeArchived) {
            parts.add("archived included");
        }
        return parts.toString();
    }

    /**
     * Checks every pattern before anything starts.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public RepositorySelection {
        patterns = List.copyOf(patterns);
        orgs = List.copyOf(orgs);
        users = List.copyOf(users);
        excludes = List.copyOf(excludes);
        for (String pattern : patterns) {
            if (isGlob(pattern)) {
                String owner = pattern.contains("/") ? pattern.substring(0, pattern.indexOf('/')) : "";
                // The name, its glob syntax aside, holds only what a repository name may hold: a glob is never a way
                // to put a query or a path into a URL (a/b?per_page=1 is refused, not matched).
                String literal = pattern.substring(pattern.indexOf('/') + 1).replaceAll("[*?\\[\\]{},!]", "");
                if (owner.isEmpty() || isGlob(owner) || !RepositoryName.isValid(owner + "/x")
                        || !(literal.isEmpty() || RepositoryName.isValid(owner + "/" + literal))) {
                    throw new IllegalArgumentException("invalid repository glob '" + pattern + "': the owner must be named, "
                            + "only the name may hold * ? [ ] { } (e.g. apache/kafka*)");
                }
                matcher(pattern);
            } else {
                RepositoryName.parse(pattern);
            }
        }
        for (String owner : concat(orgs, users)) {
            if (!RepositoryName.isValid(owner + "/x")) {
                throw new IllegalArgumentException("invalid organization or user name '" + owner + "' (--org/--user)");
            }
        }
        excludes.forEach(RepositorySelection::matcher);
    }

    /** Only these named repositories. */
    public static RepositorySelection of(List<RepositoryName> repositories) {
        return new RepositorySelection(repositories.stream().map(RepositoryName::fullName).toList(), List.of(), List.of(), List.of(), false, false);
    }

    /**
     * The lines of a repositories file: one name or glob a line; blank lines and {@code #} comments (whole lines or
     * after a name) ignored.
     *
     * @throws IllegalArgumentException when the file cannot be read, with a one-line reason
     */
    public static List<String> readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the repositories file " + file + " (--repos-file): "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), e);
        }
        List<String> patterns = new ArrayList<>();
        for (String line : lines) {
            int comment = line.indexOf('#');
            String text = (comment >= 0 ? line.substring(0, comment) : line).strip();
            if (!text.isEmpty()) {
                patterns.add(text);
            }
        }
        return patterns;
    }

    /** True when some repositories come from a listing (organizations, users, globs), so they are rediscovered. */
    public boolean discovers() {
        return !orgs.isEmpty() || !users.isEmpty() || patterns.stream().anyMatch(RepositorySelection::isGlob);
    }

    /** True when nothing at all is selected. */
    public boolean isEmpty() {
        return patterns.isEmpty() && orgs.isEmpty() && users.isEmpty();
    }

    /** The named repositories (not globs), duplicates dropped. */
    public List<RepositoryName> named() {
        return patterns.stream().filter(p -> !isGlob(p)).map(RepositoryName::parse).distinct().toList();
    }

    /** The globs of {@code --repo} and the repositories file. */
    public List<String> globs() {
        return patterns.stream().filter(RepositorySelection::isGlob).toList();
    }

    /** True when an exclusion glob matches this repository. */
    public boolean excluded(RepositoryName repo) {
        return excludes.stream().anyMatch(glob -> matches(glob, repo));
    }

    /** True when {@code glob} matches this repository's full name, ignoring case as GitHub does. */
    public static boolean matches(String glob, RepositoryName repo) {
        return matcher(glob).matches(Path.of(repo.fullName().toLowerCase(Locale.ROOT)));
    }

    static boolean isGlob(String pattern) {
        return pattern.chars().anyMatch(c -> GLOB_CHARACTERS.indexOf(c) >= 0);
    }

    private static PathMatcher matcher(String glob) {
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob.toLowerCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid glob '" + glob + "': " + e.getMessage(), e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
