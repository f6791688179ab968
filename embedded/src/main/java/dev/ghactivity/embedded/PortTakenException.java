package dev.ghactivity.embedded;

/**
 * A port a server must listen on is taken by another process. The message is one line for the user: the
 * port, what needs it, and what to do.
 */
public final class PortTakenException extends IllegalStateException {
    private final int port;

    public PortTakenException(int port, String message, Throwable cause) {
        super(message, cause);
        this.port = port;
    }

    public int port() {
        return port;
    }
}
