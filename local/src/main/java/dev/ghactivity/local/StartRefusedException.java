package dev.ghactivity.local;

/**
 * The stack cannot start, for a reason its message says whole, with what to do: the command line prints the message
 * alone (the causes' texts would repeat it in other words).
 */
class StartRefusedException extends IllegalStateException {
    StartRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
