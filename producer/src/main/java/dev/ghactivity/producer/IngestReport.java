package dev.ghactivity.producer;

import java.util.List;
import java.util.stream.Collectors;

/** What one poll of every repository did. */
public record IngestReport(List<RepositoryReport> repositories) {
    /** How a repository's poll ended; every kind but {@code INGESTED} makes {@code --once} exit non-zero. */
    public enum Outcome {
        INGESTED,
        /** 404: no such repository, or the token cannot see it. */
        NOT_FOUND,
        /** 410: deleted. */
        GONE,
        /** 403 that is not a rate limit: the token lacks access (e.g. an organization's SSO or IP allow list). */
        FORBIDDEN,
        /** 451: unavailable for legal reasons (e.g. a DMCA takedown). */
        UNAVAILABLE_FOR_LEGAL_REASONS,
        /** A redirect to another host, not followed: the token is only sent to {@code --github-api-url}. */
        MOVED,
        /** No answer from the API host at all (DNS, connection refused, proxy). */
        UNREACHABLE,
        /** Read, but malformed pages or items were skipped (missing until the next full read), or items left out fields. */
        INCOMPLETE,
        /** Anything else: retries exhausted, a listing cut short, Kafka. */
        FAILED;

        /** The kind of a status GitHub answered for a listing. */
        public static Outcome ofStatus(int status) {
            return switch (status) {
                case 404 -> NOT_FOUND;
                case 410 -> GONE;
                case 403 -> FORBIDDEN;
                case 451 -> UNAVAILABLE_FOR_LEGAL_REASONS;
                case 301, 302, 303, 307, 308 -> MOVED;
                default -> FAILED;
            };
        }
    }

    /** One repository: its outcome, what was published, what was skipped. */
    public record RepositoryReport(String repo, Outcome outcome, long commits, long issues, long malformed,
                                   long requests, long notModified, long missing, String message) {
        @Override
        public String toString() {
            return repo + " " + outcome.name().toLowerCase(java.util.Locale.ROOT) + " (" + commits + " commits, " + issues
                    + " issues, " + malformed + " malformed, " + (missing == 0 ? "" : missing + " with missing fields, ") + requests
                    + " requests, " + notModified + " not modified"
                    + (message == null ? "" : ": " + message) + ")";
        }
    }

    /** True when there were repositories and GitHub answered for none of them (the host is unreachable). */
    public boolean noneReached() {
        return !repositories.isEmpty() && repositories.stream().allMatch(r -> r.outcome() == Outcome.UNREACHABLE);
    }

    public boolean allIngested() {
        return repositories.stream().allMatch(r -> r.outcome() == Outcome.INGESTED);
    }

    public String failureSummary() {
        return repositories.stream().filter(r -> r.outcome() != Outcome.INGESTED).map(RepositoryReport::toString)
                .collect(Collectors.joining("; "));
    }

    public RepositoryReport of(String repo) {
        return repositories.stream().filter(r -> r.repo().equals(repo)).findFirst().orElse(null);
    }

    @Override
    public String toString() {
        return repositories.stream().map(RepositoryReport::toString).collect(Collectors.joining("; "));
    }
}
