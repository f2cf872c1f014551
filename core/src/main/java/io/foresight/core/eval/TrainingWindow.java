package io.foresight.core.eval;

import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The part of a trace a model may learn from: everything before an end time (e.g. the interval a control
 * loop has reached, so retraining inside a loop never sees what the loop has not replayed yet).
 */
public final class TrainingWindow {
    private TrainingWindow() {}

    /** The intervals starting before {@code endExclusive} (Unix s); users with none are dropped. */
    public static Trace before(Trace trace, long endExclusive) {
        Map<String, UserSeries> m = new LinkedHashMap<>();
        for (UserSeries s : trace.users().values()) {
            int n = 0;
            while (n < s.size() && s.timestamp(n) < endExclusive) {
                n++;
            }
            if (n == s.size()) {
                m.put(s.user(), s);
            } else if (n > 0) {
                m.put(s.user(), s.slice(0, n));
            }
        }
        return new Trace(trace.stepSeconds(), m, trace.report());
    }

    /** The first timestamp of the trace (Unix s), or 0 if it is empty. */
    public static long start(Trace trace) {
        return trace.users().values().stream().filter(s -> s.size() > 0).mapToLong(s -> s.timestamp(0)).min().orElse(0);
    }

    /** The end (exclusive, Unix s) of the trace's last interval, or 0 if it is empty. */
    public static long end(Trace trace) {
        return trace.users().values().stream().filter(s -> s.size() > 0)
                .mapToLong(s -> s.timestamp(s.size() - 1) + s.stepSeconds()).max().orElse(0);
    }
}
