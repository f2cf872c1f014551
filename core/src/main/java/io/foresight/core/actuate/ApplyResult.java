package io.foresight.core.actuate;

import java.util.List;
import java.util.Objects;

/**
 * What an apply did: the users set, each with the allocation it had before (so the change can be
 * compensated; a user that had none is listed with zero), and whether this result is a replay of an
 * earlier apply with the same key (then nothing was changed now).
 */
public record ApplyResult(String pool, String idempotencyKey, List<UserAllocation> previous, List<UserAllocation> applied,
                          boolean replayed) {
    public ApplyResult {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        previous = List.copyOf(previous);
        applied = List.copyOf(applied);
    }

    public ApplyResult asReplay() {
        return new ApplyResult(pool, idempotencyKey, previous, applied, true);
    }

    public List<String> changedUsers() {
        return applied.stream().map(UserAllocation::user).toList();
    }
}
