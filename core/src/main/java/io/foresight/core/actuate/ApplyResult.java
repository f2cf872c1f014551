package io.foresight.core.actuate;

import java.util.List;
import java.util.Objects;

/**
 * What an apply did: the users changed, each with the allocation it had before (so the change can be
 * compensated), and whether this result is a replay of an earlier apply with the same key.
 */
public record ApplyResult(String idempotencyKey, List<UserAllocation> previous, List<UserAllocation> applied,
                          boolean replayed) {
    public ApplyResult {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        previous = List.copyOf(previous);
        applied = List.copyOf(applied);
    }

    public ApplyResult asReplay() {
        return new ApplyResult(idempotencyKey, previous, applied, true);
    }

    public List<String> changedUsers() {
        return applied.stream().map(UserAllocation::user).toList();
    }
}
