package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import java.time.Duration;
import java.util.Objects;

/**
 * Input of one control loop (one resource pool).
 *
 * <p>The clock is the cycle index: cycle {@code c} observes interval {@code c} of the pool's data
 * source (after the source's warm-up history), so a replay of a trace is the same loop as a live run,
 * only with a shorter sleep. {@code intervalSeconds} is the length of one interval in the data;
 * the loop sleeps {@code intervalSeconds / acceleration} between cycles (acceleration 1 = real time).
 *
 * @param pool               resource pool id (one workflow per pool)
 * @param dataSource         where the users' usage comes from, e.g. a trace path or a store URI
 * @param shardSize          users per activity call (bounded payloads and parallelism)
 * @param intervalSeconds    length of one control interval, in seconds of data time
 * @param acceleration       data seconds per wall second (&gt;= 1)
 * @param cyclesPerRun       cycles before continue-as-new (bounds the history size)
 * @param maxCycles          stop after this many cycles in total; 0 = until the data ends
 * @param approvalTimeout    how long a change waiting for approval may wait before the safe default
 *                           (keep the current allocation) applies
 * @param retrainingEnabled  start the retraining workflow when feedback asks for it
 * @param carry              state carried over from the previous run, null on the first run
 * @param settings           the pool file's rules, pool kind, model, users and actuator; null = the worker's own
 * @param shardCount         &gt; 0: always this many shards, each of about users / shardCount users (the worker slots
 *                           that run them), so a cycle's history has the same number of events however many users the
 *                           pool has; 0: shards of {@code shardSize} users (histories recorded before this field)
 */
public record ControlLoopParams(String pool, String dataSource, int shardSize, long intervalSeconds,
                                double acceleration, int cyclesPerRun, long maxCycles, Duration approvalTimeout,
                                boolean retrainingEnabled, AllocationMode mode, LoopCarry carry, PoolSettings settings,
                                int shardCount) {
    public ControlLoopParams(String pool, String dataSource, int shardSize, long intervalSeconds, double acceleration,
                             int cyclesPerRun, long maxCycles, Duration approvalTimeout, boolean retrainingEnabled,
                             AllocationMode mode, LoopCarry carry, PoolSettings settings) {
        this(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun, maxCycles, approvalTimeout,
                retrainingEnabled, mode, carry, settings, 0);
    }

    public ControlLoopParams(String pool, String dataSource, int shardSize, long intervalSeconds, double acceleration,
                             int cyclesPerRun, long maxCycles, Duration approvalTimeout, boolean retrainingEnabled,
                             AllocationMode mode, LoopCarry carry) {
        this(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun, maxCycles, approvalTimeout,
                retrainingEnabled, mode, carry, null);
    }

    public ControlLoopParams {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(approvalTimeout, "approvalTimeout");
        Objects.requireNonNull(mode, "mode");
        if (pool.isBlank() || pool.contains("/")) {
            throw new IllegalArgumentException("pool id must be non-blank and contain no '/', got '" + pool + "'");
        }
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shardSize must be positive, got " + shardSize);
        }
        if (shardCount < 0) {
            throw new IllegalArgumentException("shardCount must be >= 0 (0 = shards of shardSize users), got " + shardCount);
        }
        if (intervalSeconds <= 0) {
            throw new IllegalArgumentException("intervalSeconds must be positive, got " + intervalSeconds);
        }
        if (!(acceleration >= 1)) {
            throw new IllegalArgumentException("acceleration must be >= 1 (1 = real time), got " + acceleration);
        }
        if (cyclesPerRun <= 0) {
            throw new IllegalArgumentException("cyclesPerRun must be positive, got " + cyclesPerRun);
        }
        if (maxCycles < 0) {
            throw new IllegalArgumentException("maxCycles must be >= 0 (0 = until the data ends), got " + maxCycles);
        }
        if (approvalTimeout.isNegative()) {
            throw new IllegalArgumentException("approvalTimeout must not be negative");
        }
    }

    /** A loop with defaults: shards of 500 users, 5-minute intervals in real time, 100 cycles per run. */
    public static ControlLoopParams of(String pool, String dataSource) {
        return new ControlLoopParams(pool, dataSource, 500, 300, 1.0, 100, 0, Duration.ofMinutes(2), false,
                AllocationMode.ENFORCE, null);
    }

    public ControlLoopParams withShardSize(int n) {
        return new ControlLoopParams(pool, dataSource, n, intervalSeconds, acceleration, cyclesPerRun, maxCycles,
                approvalTimeout, retrainingEnabled, mode, carry, settings, shardCount);
    }

    public ControlLoopParams withAcceleration(double a) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, a, cyclesPerRun, maxCycles,
                approvalTimeout, retrainingEnabled, mode, carry, settings, shardCount);
    }

    public ControlLoopParams withCycles(int perRun, long max) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, perRun, max,
                approvalTimeout, retrainingEnabled, mode, carry, settings, shardCount);
    }

    public ControlLoopParams withApprovalTimeout(Duration d) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, d, retrainingEnabled, mode, carry, settings, shardCount);
    }

    public ControlLoopParams withRetraining(boolean enabled) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, approvalTimeout, enabled, mode, carry, settings, shardCount);
    }

    public ControlLoopParams withMode(AllocationMode m) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, approvalTimeout, retrainingEnabled, m, carry, settings, shardCount);
    }

    public ControlLoopParams withCarry(LoopCarry c) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, approvalTimeout, retrainingEnabled, mode, c, settings, shardCount);
    }

    public ControlLoopParams withSettings(PoolSettings s) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, approvalTimeout, retrainingEnabled, mode, carry, s, shardCount);
    }

    /** Always {@code n} shards whatever the pool's size (0: shards of {@link #shardSize()} users). */
    public ControlLoopParams withShardCount(int n) {
        return new ControlLoopParams(pool, dataSource, shardSize, intervalSeconds, acceleration, cyclesPerRun,
                maxCycles, approvalTimeout, retrainingEnabled, mode, carry, settings, n);
    }

    /** The wall-clock sleep between cycles. */
    public Duration sleep() {
        return Duration.ofMillis(Math.max(1, Math.round(intervalSeconds * 1000.0 / acceleration)));
    }
}
