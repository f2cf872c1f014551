package io.foresight.core.actuate;

/**
 * An apply failed. The actuator has already undone what it changed for this request (saga
 * compensation), so the target is as it was before; {@link #compensated()} says whether that worked.
 */
public class ActuationException extends RuntimeException {
    private final boolean compensated;

    public ActuationException(String message, Throwable cause, boolean compensated) {
        super(message, cause);
        this.compensated = compensated;
    }

    public boolean compensated() {
        return compensated;
    }
}
