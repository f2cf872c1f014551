package io.foresight.activities.controlloop;

import io.foresight.core.trace.UserSeries;
import java.util.List;

/**
 * Where a pool's real usage comes from. The loop's clock is the cycle index: cycle {@code c} observes
 * interval {@code firstInterval() + c} of every user's series; the intervals before it are warm-up history
 * for the forecaster. The loop's one source interface: trace replay ({@link TraceUsageSource}) and a live
 * Prometheus ({@link PrometheusUsageSource}) implement it.
 */
public interface UsageSource {
    /** The pool's users in a stable order (shards are ranges of this list). */
    List<String> users();

    int stepSeconds();

    /** Interval index observed by cycle 0. */
    int firstInterval();

    /** Number of intervals of the longest user series: cycles past it find no data. */
    int intervals();

    /** The user's series over intervals [0, upTo) (never later ones, so nothing leaks from the future). */
    UserSeries history(String user, int upTo);

    /**
     * True for a source that reports as it goes (Prometheus): a user without a sample in an interval has stopped
     * reporting and is held as stale. False for a recorded trace, whose gaps are part of the history replayed.
     */
    default boolean live() {
        return false;
    }

    /** Opens the source named by a loop's data-source reference. */
    @FunctionalInterface
    interface Resolver {
        UsageSource open(String dataSource);
    }
}
