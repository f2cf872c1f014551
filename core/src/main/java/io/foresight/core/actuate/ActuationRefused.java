package io.foresight.core.actuate;

/**
 * The target refused the change for a reason a retry does not cure: no permission (403), a conflicting writer
 * (409), a value it does not accept (422), a missing namespace (404). Like every {@link ActuationException} the
 * request's changes were undone; the loop holds the shard's allocations for this cycle (a safe hold, visible in
 * the loop's status and metrics) instead of retrying until the interval is over, and tries again next cycle.
 */
public class ActuationRefused extends ActuationException {
    private final int status;
    private final String fix;

    /**
     * @param status the target's status code (e.g. HTTP 403), 0 if it has none
     * @param fix    what an operator does about it, one sentence
     */
    public ActuationRefused(String message, Throwable cause, boolean compensated, int status, String fix) {
        super(message, cause, compensated);
        this.status = status;
        this.fix = fix;
    }

    public int status() {
        return status;
    }

    public String fix() {
        return fix;
    }

    /** One line for the loop's status: the cause and the fix. */
    public String oneLine() {
        String m = String.valueOf(getMessage()).replace('\n', ' ');
        return m + ". Fix: " + fix;
    }
}
