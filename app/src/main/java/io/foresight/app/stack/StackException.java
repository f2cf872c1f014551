package io.foresight.app.stack;

/** A local-stack failure whose message names the cause and the fix (printed as one line). */
public final class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }
}
