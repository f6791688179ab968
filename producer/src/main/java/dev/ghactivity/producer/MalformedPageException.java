package dev.ghactivity.producer;

/** A page whose body is not a JSON array of items: logged, counted and skipped. */
public final class MalformedPageException extends Exception {
    MalformedPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
