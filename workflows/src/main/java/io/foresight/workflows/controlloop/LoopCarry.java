package io.foresight.workflows.controlloop;

import java.util.Objects;

/**
 * The small state a control loop carries across continue-as-new: the next cycle to run, whether it is
 * paused, its mode, whether an operator froze it, and a reference to the last cycle's summary (the bulk data stays in the state dir).
 */
public record LoopCarry(long cycle, boolean paused, Mode mode, String lastSummaryRef, boolean frozen) {
    public LoopCarry(long cycle, boolean paused, Mode mode, String lastSummaryRef) {
        this(cycle, paused, mode, lastSummaryRef, false);
    }

    public LoopCarry {
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        Objects.requireNonNull(mode, "mode");
    }
}
