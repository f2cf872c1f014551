package io.foresight.core.actuate;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One call's changes for a pool: the users of one (pool, cycle, shard) and what each should hold.
 * {@code idempotencyKey} identifies the request: applying the same key again changes nothing and returns
 * the first result (so a retried activity is harmless).
 *
 * @param at when the allocations are requested, Unix seconds of the (possibly replayed) time the loop
 *           is at. A real cluster acts now and ignores it; the {@link SimulatedCluster} runs its clock on
 *           it (provisioning lead times, spot interruptions and cost accrue from it).
 */
public record ApplyRequest(String pool, long cycle, String idempotencyKey, long at, List<UserAllocation> allocations) {
    public ApplyRequest {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (idempotencyKey.isBlank()) {
            throw new IllegalArgumentException("idempotencyKey must not be blank (use pool/cycle/shard)");
        }
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        allocations = List.copyOf(Objects.requireNonNull(allocations, "allocations"));
        var seen = new HashSet<String>();
        for (UserAllocation a : allocations) {
            if (!seen.add(a.user())) {
                throw new IllegalArgumentException("user " + a.user() + " appears twice in request " + idempotencyKey);
            }
        }
    }
}
