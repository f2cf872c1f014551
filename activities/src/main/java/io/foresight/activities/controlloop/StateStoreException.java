package io.foresight.activities.controlloop;

/**
 * The state store cannot be used right now (PostgreSQL down, a refused login, a full disk): one line naming the
 * cause and the fix. Retryable: the workflow retries the activity and then holds the cycle.
 */
public final class StateStoreException extends RuntimeException {
    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
