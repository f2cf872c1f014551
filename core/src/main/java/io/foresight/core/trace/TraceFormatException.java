package io.foresight.core.trace;

/** A trace file that cannot be read at all: its message names the file, the cause and the fix. */
public final class TraceFormatException extends RuntimeException {
    public TraceFormatException(String message) {
        super(message);
    }

    public TraceFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
