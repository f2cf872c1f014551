package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The small state a control loop carries across continue-as-new: the next cycle to run, whether it is
 * paused, its mode, whether an operator froze it, the pool's shard count (so a run that cannot read its source at the start
 * still knows its shards; 0 = unknown), a reference to the last cycle's summary (the bulk data stays in the state dir),
 * and which control worker's own queue runs each shard ({@code shardWorkers}, shard to queue; empty in carries
 * recorded before shard affinity), so the next run keeps every shard on the process that holds its users' histories.
 */
public record LoopCarry(long cycle, boolean paused, AllocationMode mode, String lastSummaryRef, boolean frozen, int shards,
                        Map<Integer, String> shardWorkers) {
    public LoopCarry(long cycle, boolean paused, AllocationMode mode, String lastSummaryRef) {
        this(cycle, paused, mode, lastSummaryRef, false, 0);
    }

    public LoopCarry(long cycle, boolean paused, AllocationMode mode, String lastSummaryRef, boolean frozen, int shards) {
        this(cycle, paused, mode, lastSummaryRef, frozen, shards, Map.of());
    }

    public LoopCarry {
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        Objects.requireNonNull(mode, "mode");
        // null: a carry recorded before shard affinity; sorted so the JSON (and the history) does not depend on map order
        shardWorkers = shardWorkers == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(shardWorkers));
    }
}
