package io.foresight.core.trace;

import io.foresight.core.model.Resource;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a job log tells about a user at the end of one interval, before the next interval's usage exists: the
 * resources held by the user's jobs still running then ({@code running}), the resources requested by jobs
 * submitted but not started yet ({@code queued}: the wait queue), and the size of the user's latest job
 * submitted within the last day ({@code recentJob}; zero when the user submitted nothing that day). Only jobs
 * submitted at or before that instant count, and of a running job only that it has not ended yet, so nothing
 * of the future is in it. One value per {@link Resource}; NaN where the log does not record the resource.
 */
public record JobState(double[] running, double[] queued, double[] recentJob) {
    /** How far back a submission counts for {@link #recentJob}: a day. */
    public static final long RECENT_SECONDS = 86_400L;

    public JobState {
        running = check("running", running);
        queued = check("queued", queued);
        recentJob = check("recentJob", recentJob);
    }

    private static double[] check(String what, double[] v) {
        Objects.requireNonNull(v, what);
        if (v.length != Resource.COUNT) {
            throw new IllegalArgumentException(what + " needs one value per resource (" + Resource.COUNT + "), got " + v.length);
        }
        return v.clone();
    }

    /** A state that knows nothing (every value NaN): an interval the log did not cover. */
    public static JobState unknown() {
        double[] nan = new double[Resource.COUNT];
        Arrays.fill(nan, Double.NaN);
        return new JobState(nan, nan, nan);
    }

    /** Demand already known for the next interval: running plus queued. */
    public double known(Resource r) {
        return running[r.ordinal()] + queued[r.ordinal()];
    }
}
