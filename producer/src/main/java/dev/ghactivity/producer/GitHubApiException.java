package dev.ghactivity.producer;

/** A request that still failed after every retry (5xx, I/O, rate limits, other 4xx). */
public final class GitHubApiException extends RuntimeException {
    public GitHubApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
