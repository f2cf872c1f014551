package io.foresight.activities.actuate;

import io.foresight.core.model.ResourceVector;
import java.util.Map;
import java.util.Optional;

/**
 * Sets users' allocations on a cluster. The loop's allocate activity calls it once per (pool, cycle,
 * shard) with that call's idempotency key; implementations must apply each key at most once, also across
 * worker crashes and concurrent retries, so a retried activity never applies twice.
 */
public interface Actuator {

    /** The allocation the user has now, empty if the cluster never set one. */
    Optional<ResourceVector> current(String pool, String user);

    /** The allocations of many users at once (users the cluster never set are absent). */
    default Map<String, ResourceVector> current(String pool, java.util.Collection<String> users) {
        Map<String, ResourceVector> out = new java.util.LinkedHashMap<>();
        for (String u : users) {
            current(pool, u).ifPresent(v -> out.put(u, v));
        }
        return out;
    }

    /**
     * Sets every user of {@code targets} to its allocation, unless {@code key} was applied before.
     *
     * @param key   idempotency key, e.g. {@code pool/cycle/shard}
     * @param cycle the loop cycle the allocation is for (kept in the audit journal)
     */
    ApplyResult apply(String pool, String key, long cycle, Map<String, ResourceVector> targets);

    /** @param duplicate the key had been applied before, nothing was changed now */
    record ApplyResult(int applied, boolean duplicate) {}
}
