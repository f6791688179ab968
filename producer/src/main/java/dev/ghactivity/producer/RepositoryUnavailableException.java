package dev.ghactivity.producer;

import dev.ghactivity.producer.IngestReport.Outcome;

/**
 * GitHub answered that one listing of one repository cannot be read (404, 409, 410, 451, a 403 that is not a rate
 * limit, a redirect to another host): that listing ends, the repository's other listing and the other repositories
 * go on, and the report names the kind ({@link Outcome#ofStatus}).
 */
public class RepositoryUnavailableException extends RuntimeException {
    private final int status;

    public RepositoryUnavailableException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public Outcome outcome() {
        return Outcome.ofStatus(status);
    }
}
