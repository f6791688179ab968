package dev.ghactivity.producer;

import java.util.List;
import java.util.stream.Collectors;

/** What one poll of every repository did. */
public record IngestReport(List<RepositoryReport> repositories) {
    public enum Outcome { INGESTED, NOT_FOUND, FAILED }

    /** One repository: its outcome, what was published, what was skipped. */
    public record RepositoryReport(String repo, Outcome outcome, long commits, long issues, long malformed,
                                   long requests, long notModified, String message) {
        @Override
        public String toString() {
            return repo + " " + outcome.name().toLowerCase(java.util.Locale.ROOT) + " (" + commits + " commits, " + issues
                    + " issues, " + malformed + " malformed, " + requests + " requests, " + notModified + " not modified"
                    + (message == null ? "" : ": " + message) + ")";
        }
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
