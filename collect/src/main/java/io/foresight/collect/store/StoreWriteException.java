package io.foresight.collect.store;

/**
 * A batch could not be written even after retries. Nothing of the batch was committed (writes
 * are transactional), so the caller still holds every row and must keep or resend it.
 */
public final class StoreWriteException extends RuntimeException {
    private final long rows;

    public StoreWriteException(String message, long rows, Throwable cause) {
        super(message, cause);
        this.rows = rows;
    }

    /** How many rows of the failed batch were not written. */
    public long rows() { return rows; }
}
