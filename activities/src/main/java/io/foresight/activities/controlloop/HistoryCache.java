package io.foresight.activities.controlloop;

import io.foresight.core.engine.UserHistory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's per-user histories, kept in memory between cycles so a cycle appends one interval per user
 * instead of re-reading and re-slicing the whole history (and so forecasters that keep per-series state
 * advance incrementally). A worker that starts, or that missed cycles, rebuilds a user's history from the
 * usage source once.
 */
final class HistoryCache {
    private final Map<String, Map<String, UserHistory>> pools = new ConcurrentHashMap<>();

    Map<String, UserHistory> pool(String pool) {
        return pools.computeIfAbsent(pool, p -> new ConcurrentHashMap<>());
    }
}
