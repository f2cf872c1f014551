package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import java.util.Objects;

/**
 * The small state a control loop carries across continue-as-new: the next cycle to run, whether it is
 * paused, its mode, whether an operator froze it, the pool's shard count (so a run that cannot read its source at the start
 * still knows its shards; 0 = unknown), and a reference to the last cycle's summary (the bulk data stays in the state dir).
 */
public record LoopCarry(long cycle, boolean paused, AllocationMode mode, String lastSummaryRef, boolean frozen, int shards) {
    public LoopCarry(long cycle, boolean paused, AllocationMode mode, String lastSummaryRef) {
        this(cycle, paused, mode, lastSummaryRef, false, 0);
    }

    public LoopCarry {
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        Objects.requireNonNull(mode, "mode");
    }
}
