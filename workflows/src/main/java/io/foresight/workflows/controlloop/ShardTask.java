package io.foresight.workflows.controlloop;

import java.util.Objects;

/**
 * One activity call's slice of work: users {@code [shard * shardSize, (shard + 1) * shardSize)} of the pool,
 * in the data source's stable user order, at one cycle. {@code key} is the idempotency key of the call:
 * the same for every retry of the call, different for every other (pool, cycle, shard). {@code settings} are the
 * pool file's rules, model, users and actuator (null in tasks recorded before they travelled: the worker's own).
 */
public record ShardTask(String pool, String dataSource, long cycle, int shard, int shardSize, String key,
                        PoolSettings settings) {
    public ShardTask {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(key, "key");
        if (cycle < 0 || shard < 0 || shardSize <= 0) {
            throw new IllegalArgumentException("bad shard task " + pool + " cycle " + cycle + " shard " + shard
                    + " size " + shardSize);
        }
    }

    public static ShardTask of(String pool, String dataSource, long cycle, int shard, int shardSize) {
        return new ShardTask(pool, dataSource, cycle, shard, shardSize, key(pool, cycle, shard), null);
    }

    public ShardTask withSettings(PoolSettings s) {
        return new ShardTask(pool, dataSource, cycle, shard, shardSize, key, s);
    }

    /** {@code pool/cycle/shard}, e.g. {@code pool-a/12/3}. */
    public static String key(String pool, long cycle, int shard) {
        return pool + "/" + cycle + "/" + shard;
    }

    /** Key of a pool-level step (monitor, feedback) of a cycle: {@code pool/cycle/pool}. */
    public static String poolKey(String pool, long cycle) {
        return pool + "/" + cycle + "/pool";
    }

    public int firstUser() {
        return shard * shardSize;
    }
}
