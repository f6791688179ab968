package dev.ghactivity.local;

/**
 * The stack cannot start or go on, for a reason its message says whole, with what to do: the command line prints
 * the message alone (the causes' texts would repeat it in other words).
 */
class StackFailedException extends IllegalStateException {
    StackFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
