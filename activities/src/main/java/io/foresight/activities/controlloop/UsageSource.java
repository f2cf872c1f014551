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
     * The user's usage in one interval and what was provisioned during it, or null when the user's series ends
     * before it. A cycle reads one interval per user: sources override this to read it without copying the history
     * before it ({@link #history} would copy every earlier interval, every cycle).
     */
    default Sample sample(String user, int interval) {
        UserSeries s = history(user, interval + 1);
        return s.size() <= interval ? null : Sample.of(s, interval);
    }

    /**
     * One user's interval: its start (Unix s), the usage, what was provisioned, what a job log knew at its end and
     * the interaction events recorded in it (each null for sources without them).
     */
    record Sample(long at, io.foresight.core.model.ResourceVector usage, io.foresight.core.model.ResourceVector provisioned,
                  io.foresight.core.trace.JobState jobs, io.foresight.core.trace.EventCounts events) {
        Sample(long at, io.foresight.core.model.ResourceVector usage, io.foresight.core.model.ResourceVector provisioned,
               io.foresight.core.trace.JobState jobs) {
            this(at, usage, provisioned, jobs, null);
        }

        /** Interval {@code i} of a series. */
        public static Sample of(UserSeries s, int i) {
            return new Sample(s.timestamp(i), s.usageAt(i), s.capacityAt(i), s.jobs() == null ? null : s.jobs().at(i),
                    s.events() == null ? null : s.events().at(i));
        }
    }

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
