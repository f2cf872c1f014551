package io.foresight.core.trace;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * One user's usage on a regular time grid, stored column-wise so replays of millions of
 * intervals stay fast. {@code usage[r][i]} is the usage of resource r in the interval starting
 * at {@code timestamps[i]} (Unix seconds); {@code capacity[r][i]} is what the trace provisioned
 * (NaN where the source has no notion of capacity).
 */
public final class UserSeries {
    private final String user;
    private final int stepSeconds;
    private final long[] timestamps;
    private final double[][] usage;
    private final double[][] capacity;
    /** What a job log knows at the end of each interval (running and queued jobs); null for sources without jobs. */
    private final JobColumns jobs;
    /** Interaction events per interval (API calls, UI actions, config changes); null for sources without events. */
    private final EventColumns events;

    public UserSeries(String user, int stepSeconds, long[] timestamps, double[][] usage, double[][] capacity) {
        this(user, stepSeconds, timestamps, usage, capacity, null);
    }

    /** A series that also carries the job log's state per interval ({@code jobs} may be null: none known). */
    public UserSeries(String user, int stepSeconds, long[] timestamps, double[][] usage, double[][] capacity,
                      JobColumns jobs) {
        this(user, stepSeconds, timestamps, usage, capacity, jobs, null);
    }

    /** A series that also carries the interaction events per interval ({@code events} may be null: none recorded). */
    public UserSeries(String user, int stepSeconds, long[] timestamps, double[][] usage, double[][] capacity,
                      JobColumns jobs, EventColumns events) {
        this.user = Objects.requireNonNull(user, "user");
        if (stepSeconds <= 0) {
            throw new IllegalArgumentException("stepSeconds must be positive, got " + stepSeconds);
        }
        this.stepSeconds = stepSeconds;
        this.timestamps = Objects.requireNonNull(timestamps, "timestamps");
        this.usage = checkShape("usage", usage, timestamps.length);
        this.capacity = checkShape("capacity", capacity, timestamps.length);
        if (jobs != null && jobs.size() != timestamps.length) {
            throw new IllegalArgumentException("job columns have " + jobs.size() + " values for " + timestamps.length + " timestamps");
        }
        this.jobs = jobs;
        if (events != null && events.size() != timestamps.length) {
            throw new IllegalArgumentException("event columns have " + events.size() + " values for " + timestamps.length + " timestamps");
        }
        this.events = events;
    }

    /** This series (same arrays) carrying {@code events}. */
    public UserSeries withEvents(EventColumns events) {
        return new UserSeries(user, stepSeconds, timestamps, usage, capacity, jobs, events);
    }

    private static double[][] checkShape(String what, double[][] m, int n) {
        Objects.requireNonNull(m, what);
        if (m.length != Resource.COUNT) {
            throw new IllegalArgumentException(what + " needs one row per resource (" + Resource.COUNT + "), got " + m.length);
        }
        for (double[] row : m) {
            if (row.length != n) {
                throw new IllegalArgumentException(what + " row has " + row.length + " values for " + n + " timestamps");
            }
        }
        return m;
    }

    public String user() { return user; }
    public int stepSeconds() { return stepSeconds; }
    public int size() { return timestamps.length; }
    public long timestamp(int i) { return timestamps[i]; }
    public long[] timestamps() { return timestamps; }
    public double usage(Resource r, int i) { return usage[r.ordinal()][i]; }
    public double capacity(Resource r, int i) { return capacity[r.ordinal()][i]; }
    /** The backing column (not copied: callers must not modify it). */
    public double[] usageColumn(Resource r) { return usage[r.ordinal()]; }
    /** The backing column (not copied: callers must not modify it). */
    public double[] capacityColumn(Resource r) { return capacity[r.ordinal()]; }

    /** The job log's state per interval, or null when the source knows no jobs (not copied). */
    public JobColumns jobs() { return jobs; }

    /** Interaction events per interval, or null when the source records none (not copied). */
    public EventColumns events() { return events; }

    public ResourceVector usageAt(int i) {
        return ResourceVector.of(usage[0][i], usage[1][i], usage[2][i], usage[3][i]);
    }

    public ResourceVector capacityAt(int i) {
        return ResourceVector.of(capacity[0][i], capacity[1][i], capacity[2][i], capacity[3][i]);
    }

    /** The intervals [from, to) as a new series sharing no arrays with this one. */
    public UserSeries slice(int from, int to) {
        long[] ts = java.util.Arrays.copyOfRange(timestamps, from, to);
        double[][] u = new double[Resource.COUNT][];
        double[][] c = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            u[r] = java.util.Arrays.copyOfRange(usage[r], from, to);
            c[r] = java.util.Arrays.copyOfRange(capacity[r], from, to);
        }
        return new UserSeries(user, stepSeconds, ts, u, c, jobs == null ? null : jobs.slice(from, to),
                events == null ? null : events.slice(from, to));
    }
}
