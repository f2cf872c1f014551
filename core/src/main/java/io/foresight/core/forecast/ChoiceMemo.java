package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@link PeriodicChoiceForecaster}'s choices per user and 3-hour block, each computed once. A choice reads only data
 * before its block, so once made it does not change: the loop makes one new choice per user every 36 cycles instead of
 * one per block of its bound's week at every cycle, and a backtest's origins share them. A kept choice is used only
 * while the last {@value #FINGERPRINT_STEPS} values before its block are the same as when it was made (the same user
 * name on other data, or a gap filled late, makes a new one). Keeps the {@value #MAX_BLOCKS} blocks per user asked for
 * last (16 days, more than the bound's week reaches back).
 */
final class ChoiceMemo {
    /** Blocks kept per user. */
    static final int MAX_BLOCKS = 128;
    /** Values before a block that identify the data a choice was made on. */
    static final int FINGERPRINT_STEPS = 36;

    /** Each resource's period (-1: none) and choice, by resource ordinal. */
    record Decision(int[] periods, PeriodicChoiceForecaster.Choice[] choices) {}

    /** A decision for the block starting at index {@code start} of the series it was asked with. */
    record Block(int start, Decision decision) {
        int period(int resource) { return decision.periods()[resource]; }
        PeriodicChoiceForecaster.Choice choice(int resource) { return decision.choices()[resource]; }
    }

    private record Kept(long fingerprint, Decision decision) {}

    private final Map<String, Map<Long, Kept>> byUser = new ConcurrentHashMap<>();

    /** The decision for the block starting at {@code start} of {@code history}: kept, or made by {@code decide}. */
    Block block(UserSeries history, int start, Supplier<Decision> decide) {
        long clock = PeriodicChoiceForecaster.clockStep(history) + start;
        long fp = fingerprint(history, start);
        Map<Long, Kept> kept = byUser.computeIfAbsent(key(history.user(), history.stepSeconds()), u -> recent());
        synchronized (kept) {
            Kept k = kept.get(clock);
            if (k == null || k.fingerprint() != fp) {
                k = new Kept(fp, decide.get());
                kept.put(clock, k);
            }
            return new Block(start, k.decision());
        }
    }

    /**
     * The last {@value #MAX_BLOCKS} blocks asked for, the least recently asked dropped first. Dropping the oldest block by
     * the clock instead dropped a block at once when it was older than every kept one: a replay that starts again from
     * the beginning (each setting of {@code evaluate --sweep}, a reset loop) recomputed every choice at every origin.
     */
    private static Map<Long, Kept> recent() {
        return new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Kept> eldest) {
                return size() > MAX_BLOCKS;
            }
        };
    }

    /** Blocks kept for {@code user} at {@code stepSeconds} (tests). */
    int blocks(String user, int stepSeconds) {
        Map<Long, Kept> kept = byUser.get(key(user, stepSeconds));
        return kept == null ? 0 : kept.size();
    }

    private static String key(String user, int stepSeconds) {
        return user + "@" + stepSeconds;
    }

    private static long fingerprint(UserSeries history, int start) {
        long h = 1125899906842597L;
        for (Resource r : Resource.values()) {
            double[] y = history.usageColumn(r);
            for (int i = start - FINGERPRINT_STEPS; i < start; i++) {
                long v = i < 0 || i >= history.size() ? 0x7ff8dead0000L : Double.doubleToLongBits(y[i]);
                h = 31 * h + (v ^ (v >>> 32));
            }
        }
        return h;
    }
}
