package io.foresight.core.actuate;

import java.util.Optional;

/**
 * Applies allocations to where users run (a simulated cluster, Kubernetes). Implementations are
 * idempotent per {@link ApplyRequest#idempotencyKey()} and all-or-nothing: if any user's change fails,
 * the users already changed are restored before {@link ActuationException} is thrown.
 */
public interface Actuator {
    /** Applies the request; a request whose key was applied before returns the first result, replayed. */
    ApplyResult apply(ApplyRequest request);

    /** The allocation the user holds now, if the actuator knows the user. */
    Optional<UserAllocation> current(String user);

    /**
     * Undoes an earlier apply: restores each changed user's previous allocation. Used by a caller whose
     * later step failed (saga compensation). Restoring is idempotent.
     */
    void compensate(ApplyResult result);
}
