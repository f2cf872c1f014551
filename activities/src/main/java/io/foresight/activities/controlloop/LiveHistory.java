package io.foresight.activities.controlloop;

import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A live pool's history as a trace, read through the same {@link UsageSource} the loop reads (Prometheus, the
 * ingestion store): what retraining learns from when a loop on a live source asks for it. It holds what the source
 * had before the end time, from the loop's warm-up on, and never an interval that has not ended.
 */
public final class LiveHistory {
    private LiveHistory() {}

    /**
     * @param maxUsers at most this many users (in the source's order), 0 for all
     * @param endTime  Unix seconds: intervals starting before it
     */
    public static Trace before(UsageSource source, int maxUsers, long endTime) {
        Objects.requireNonNull(source, "source");
        List<String> users = source.users();
        if (maxUsers > 0 && users.size() > maxUsers) {
            users = users.subList(0, maxUsers);
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("the live source has no users: nothing to retrain on");
        }
        int step = source.stepSeconds();
        // the source's interval 0 starts where its warm-up does; the end time names the interval to stop before
        long origin = source.history(users.get(0), 1).timestamp(0);
        long n = Math.floorDiv(endTime - origin, step);
        if (n < 1) {
            throw new IllegalArgumentException("the end time " + endTime + " is before the live source's first interval ("
                    + origin + "): nothing to retrain on");
        }
        int upTo = (int) Math.min(n, source.intervals());
        Map<String, UserSeries> out = new LinkedHashMap<>();
        for (String u : users) {
            out.put(u, source.history(u, upTo));
        }
        return new Trace(step, out, new ValidationReport("live source"));
    }
}
