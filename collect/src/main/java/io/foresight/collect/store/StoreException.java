package io.foresight.collect.store;

/** A store could not be opened or queried; the message names the store, the cause and the fix. */
public final class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
