package dev.ghactivity.producer;

/**
 * No answer at all from the GitHub API host: its name does not resolve, or every connection attempt failed. The
 * message names the host and what to check (network, proxy, {@code --github-api-url}).
 */
public final class GitHubUnreachableException extends RuntimeException {
    private final String host;

    public GitHubUnreachableException(String host, String message, Throwable cause) {
        super(message, cause);
        this.host = host;
    }

    public String host() {
        return host;
    }
}
