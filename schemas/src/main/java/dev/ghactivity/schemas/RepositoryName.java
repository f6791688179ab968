package dev.ghactivity.schemas;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A validated {@code owner/name}. Every URL, record key and S3 object key that names a repository is
 * built from one of these, so path tricks ({@code ../}, {@code %2F}, {@code ?}) never reach a request.
 * Names are lower-cased: GitHub treats them case-insensitively, and one repository must have one key.
 */
public final class RepositoryName implements Comparable<RepositoryName> {
    // GitHub owners: alphanumerics and single hyphens, at most 39 chars. Repository names: [A-Za-z0-9._-], at most 100.
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final String owner;
    private final String name;

    private RepositoryName(String owner, String name) {
        this.owner = owner;
        this.name = name;
    }

    /**
     * Parses {@code owner/name}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong, for anything else
     */
    public static RepositoryName parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("repository name is missing; expected OWNER/NAME");
        }
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException("invalid repository name '" + printable(text) + "': expected OWNER/NAME with exactly one '/'");
        }
        String owner = text.substring(0, slash);
        String name = text.substring(slash + 1);
        if (!OWNER.matcher(owner).matches()) {
            throw new IllegalArgumentException("invalid repository owner '" + printable(owner)
                    + "' in '" + printable(text) + "': letters, digits and single hyphens, 1-39 characters");
        }
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid repository name '" + printable(name)
                    + "' in '" + printable(text) + "': letters, digits, '.', '-' and '_', 1-100 characters, not '.' or '..'");
        }
        return new RepositoryName(owner.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
    }

    /** True when {@code text} is a valid {@code owner/name}. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String printable(String s) {
        // Keep error messages on one line and short whatever was passed in.
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 120 ? oneLine.substring(0, 120) + "..." : oneLine;
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }

    /** {@code owner/name}. */
    public String fullName() {
        return owner + "/" + name;
    }

    @Override
    public int compareTo(RepositoryName o) {
        return fullName().compareTo(o.fullName());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepositoryName r && r.owner.equals(owner) && r.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(owner, name);
    }

    @Override
    public String toString() {
        return fullName();
    }
}
