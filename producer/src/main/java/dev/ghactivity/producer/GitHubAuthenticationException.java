package dev.ghactivity.producer;

/** GitHub answered 401: nothing more can be fetched with these credentials. Fatal. */
public final class GitHubAuthenticationException extends RuntimeException {
    public GitHubAuthenticationException(String message) {
        super(message);
    }
}
