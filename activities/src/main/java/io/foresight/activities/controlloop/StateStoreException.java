package io.foresight.activities.controlloop;

/**
 * The state store cannot be used right now (PostgreSQL down, a refused login, a full disk): one line naming the
 * cause and the fix. Retryable: the workflow retries the activity and then holds the cycle.
 *
 * <p>The driver's exception is kept as a suppressed one, not as the cause: the workflow reports a failed cycle by
 * the innermost cause's message ({@code loop status}, the Temporal UI), and that must be this line with its fix,
 * not the driver's bare "Connection refused".
 */
public final class StateStoreException extends RuntimeException {
    public StateStoreException(String message, Throwable detail) {
        super(message);
        if (detail != null) {
            addSuppressed(detail);
        }
    }
}
