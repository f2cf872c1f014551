package io.foresight.app.loop;

/** A pool file that cannot start a loop; the message is one line: file:line, key, cause and fix. */
public final class PoolFileException extends IllegalArgumentException {
    public PoolFileException(String message) {
        super(message);
    }
}
