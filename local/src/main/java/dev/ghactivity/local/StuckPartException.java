package dev.ghactivity.local;

import java.util.concurrent.TimeoutException;

/** A part of the local stack did not get where it had to within its time; the message names the part and its state. */
public final class StuckPartException extends TimeoutException {
    private final String part;

    StuckPartException(String part, String message) {
        super(message);
        this.part = part;
    }

    /** The part that was waited for: {@code streams-app}, {@code SQLite sink}, {@code S3 sink}, {@code producer}. */
    public String part() {
        return part;
    }
}
