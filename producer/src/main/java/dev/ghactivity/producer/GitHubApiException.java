package dev.ghactivity.producer;

/** A request that still failed after every retry (5xx, I/O, rate limits, other 4xx). */
public final class GitHubApiException extends RuntimeException {
    private final boolean serverTimeout;

    public GitHubApiException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /** @param serverTimeout the request kept failing with 5xx or a read timeout: a smaller page may succeed */
    GitHubApiException(String message, Throwable cause, boolean serverTimeout) {
        super(message, cause);
        this.serverTimeout = serverTimeout;
    }

    /**
     * Whether every attempt ended in a 5xx or a read timeout, which is how GitHub answers a request it takes more
     * than 10 s to serve (docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts): fewer items
     * per page may then succeed.
     */
    public boolean serverTimeout() {
        return serverTimeout;
    }
}
