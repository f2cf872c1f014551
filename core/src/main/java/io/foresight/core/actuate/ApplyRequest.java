package io.foresight.core.actuate;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One cycle's changes for a pool. {@code idempotencyKey} identifies the request: applying the same key
 * again changes nothing and returns the first result (so a retried activity is harmless).
 */
public record ApplyRequest(String pool, long cycle, String idempotencyKey, List<UserAllocation> allocations) {
    public ApplyRequest {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (idempotencyKey.isBlank()) {
            throw new IllegalArgumentException("idempotencyKey must not be blank (use pool/cycle)");
        }
        allocations = List.copyOf(Objects.requireNonNull(allocations, "allocations"));
        var seen = new HashSet<String>();
        for (UserAllocation a : allocations) {
            if (!seen.add(a.user())) {
                throw new IllegalArgumentException("user " + a.user() + " appears twice in request " + idempotencyKey);
            }
        }
    }

    /** The conventional key of a pool's cycle. */
    public static String keyOf(String pool, long cycle) {
        return pool + "/" + cycle;
    }
}
