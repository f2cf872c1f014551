package io.foresight.core.actuate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sets users' allocations where they run: the {@link SimulatedCluster} (the loop's default) or
 * Kubernetes. The loop's allocate activity calls {@link #apply} once per (pool, cycle, shard) with that
 * call's idempotency key. Implementations apply each key at most once, also across worker crashes and
 * concurrent retries on other workers, so a retried activity never applies twice; and they are
 * all-or-nothing: if any user's change fails, the users already changed are restored before
 * {@link ActuationException} is thrown.
 */
public interface Actuator {

    /**
     * Applies the request. A request whose key was applied before changes nothing and returns the first
     * result with {@link ApplyResult#replayed()} set.
     */
    ApplyResult apply(ApplyRequest request);

    /**
     * What the given users of the pool hold now; users the actuator never set are absent. The loop reads
     * this at the start of each cycle as the allocation in force.
     */
    Map<String, UserAllocation> current(String pool, Collection<String> users);

    /** What one user of the pool holds now, empty if the actuator never set it. */
    default Optional<UserAllocation> current(String pool, String user) {
        return Optional.ofNullable(current(pool, List.of(user)).get(user));
    }

    /**
     * Undoes an earlier apply: restores each changed user's previous allocation (a user that had none
     * loses the one the apply gave it). Used by a caller whose later step failed (saga compensation).
     * Compensating the same result twice changes nothing the second time.
     */
    void compensate(ApplyResult result);
}
