package dev.ghactivity.producer;

/** 404 or 451 for one repository: it is skipped, the others go on. */
public final class RepositoryUnavailableException extends RuntimeException {
    private final int status;

    public RepositoryUnavailableException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
