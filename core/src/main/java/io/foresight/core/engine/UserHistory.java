package io.foresight.core.engine;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.EventColumns;
import io.foresight.core.trace.EventCounts;
import io.foresight.core.trace.JobColumns;
import io.foresight.core.trace.JobState;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One user's recent usage as the engine sees it: the last {@code window} intervals on a regular grid,
 * advanced one interval at a time. The backing {@link UserSeries} keeps its identity while it has room,
 * so forecasters that cache per-series state (the blend forecaster's tracker) advance by the new interval
 * only instead of re-reading the whole history every cycle. The arrays hold about half a day of room and grow
 * by that much, keeping every interval (a forecaster rebuilds the same state on them); when a compaction is due the
 * last {@code window} intervals move to a new series (once per {@code window + slack} appends, staggered per
 * user so a pool's users do not all rebuild in the same cycle). Intervals not yet observed are NaN, so
 * nothing past {@link #size()} can be read by mistake. A history fed from a job log also keeps each interval's
 * {@link JobState} (running and queued jobs at the interval's end) in the series' {@link JobColumns}; one fed from the
 * ingestion store keeps each interval's interaction events ({@link EventCounts}) in its {@link EventColumns}.
 */
public final class UserHistory {
    private static final Map<Integer, double[]> NAN_COLUMNS = new ConcurrentHashMap<>();

    /**
     * Timestamp grids by (first, step, length), shared read-only between histories: a pool's users start on the same
     * interval and take one of a few lengths, and a grid per user was 10 % of what a worker held per user.
     */
    private static final Map<Grid, java.lang.ref.WeakReference<long[]>> GRIDS = new ConcurrentHashMap<>();

    private record Grid(long first, int step, int length) {}

    private final String user;
    private final int stepSeconds;
    private final int window;
    private final int slack;
    /** Intervals the arrays grow by before {@link #due}: what a user holds beyond its observed intervals. */
    private final int room;
    private UserSeries series;
    /**
     * The length at which the history moves its last {@code window} intervals to a new series (the compaction
     * schedule, which decides when a forecaster's per-series state restarts); the arrays grow towards it in steps of
     * {@link #room} and keep everything, so a forecaster rebuilding its state on the grown series finds the same one.
     */
    private int due;
    private int size;
    private long firstAt;
    /** The anomaly detector's incremental state for this user (see {@link CycleEngine#anomalies}). */
    final io.foresight.core.feedback.AnomalyDetector.OnlineState anomalies =
            new io.foresight.core.feedback.AnomalyDetector.OnlineState();
    /**
     * {@link #recentPeak}'s running maximum per resource, the interval it was seen at, the start of the window it
     * covers and the next interval to read (Unix s).
     */
    /**
     * One running maximum per window length asked for (the 7-day ceiling and the planner's peak holds: a few lengths),
     * so each call reads only the intervals appended since that length's last call.
     */
    private final Map<Integer, RunningPeak> peaks = new HashMap<>(4);

    /** The running maximum of one window length, per resource ordinal. */
    private static final class RunningPeak {
        final double[] peak = new double[Resource.COUNT];
        final long[] from = new long[Resource.COUNT];
        final long[] at = new long[Resource.COUNT];
        final long[] readTo = new long[Resource.COUNT];

        RunningPeak() {
            Arrays.fill(peak, Double.NaN);
            Arrays.fill(readTo, Long.MIN_VALUE);
        }
    }

    private UserHistory(String user, int stepSeconds, int window, long firstAt) {
        this.user = Objects.requireNonNull(user, "user");
        if (stepSeconds <= 0 || window <= 0) {
            throw new IllegalArgumentException("stepSeconds and window must be positive");
        }
        this.stepSeconds = stepSeconds;
        this.window = window;
        // 1/4 window of room, +-1/8 by user so compactions of a pool's users are spread over cycles
        this.slack = Math.max(1, window / 4 + Math.floorMod(user.hashCode(), Math.max(1, window / 8)));
        // 1/16 window of room (12 h at 5-minute steps), +-1/32 by user: room held in arrays, not observed, was a
        // third of a young history; growing costs a forecaster one rebuild of its state from the series
        this.room = Math.max(1, window / 16 + Math.floorMod(user.hashCode() / 7, Math.max(1, window / 32)));
        this.firstAt = firstAt;
        this.series = place(firstAt, new double[Resource.COUNT][0], null, null, 0, 1);
    }

    /** An empty history whose first interval starts at {@code firstAt}. */
    public static UserHistory empty(String user, int stepSeconds, int window, long firstAt) {
        return new UserHistory(user, stepSeconds, window, firstAt);
    }

    /**
     * A history holding the last {@code window} of the intervals {@code [0, upTo)} of {@code source}
     * (what was observed before the first decision).
     */
    public static UserHistory seed(UserSeries source, int upTo, int window) {
        Objects.requireNonNull(source, "source");
        if (upTo < 0 || upTo > source.size()) {
            throw new IllegalArgumentException("upTo " + upTo + " outside the series of " + source.size());
        }
        int from = Math.max(0, upTo - window);
        long first = from < source.size() ? source.timestamp(from)
                : source.size() == 0 ? 0 : source.timestamp(source.size() - 1) + source.stepSeconds();
        UserHistory h = new UserHistory(source.user(), source.stepSeconds(), window, first);
        double[][] cols = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            cols[r] = Arrays.copyOfRange(source.usageColumn(Resource.of(r)), from, upTo);
        }
        h.series = h.place(first, cols, source.jobs() == null ? null : source.jobs().slice(from, upTo),
                source.events() == null ? null : source.events().slice(from, upTo), upTo - from, 1);
        h.size = upTo - from;
        return h;
    }

    public String user() {
        return user;
    }

    /** The series to forecast from: intervals {@code [0, size())} are observed, the rest NaN. */
    public UserSeries series() {
        return series;
    }

    /** Observed intervals in {@link #series()}; the index the next forecast starts at. */
    public int size() {
        return size;
    }

    /** Start (Unix s) of the next interval to append. */
    public long nextAt() {
        return firstAt + (long) size * stepSeconds;
    }

    public int stepSeconds() {
        return stepSeconds;
    }

    /**
     * The highest observed usage of resource {@code r} over the last {@code intervals} intervals (NaN when none of
     * them was observed). Kept as a running maximum, so a cycle reads only the intervals appended since the last call
     * (the whole window again only when the maximum leaves it); derived from the history alone, so a history rebuilt
     * from the source after a restart gives the same value. Each window length asked for keeps its own running maximum.
     */
    public double recentPeak(Resource r, int intervals) {
        if (intervals <= 0) {
            throw new IllegalArgumentException("intervals must be positive, got " + intervals);
        }
        return runningPeak(r, intervals, peaks.computeIfAbsent(intervals, n -> new RunningPeak()));
    }

    private double runningPeak(Resource r, int intervals, RunningPeak p) {
        double[] peak = p.peak;
        long[] peakFrom = p.from;
        long[] peakAt = p.at;
        long[] peakReadTo = p.readTo;
        int k = r.ordinal();
        long from = nextAt() - (long) intervals * stepSeconds;
        long readFrom = peakReadTo[k];
        if (readFrom < from || from < peakFrom[k] || (!Double.isNaN(peak[k]) && peakAt[k] < from)) {
            peak[k] = Double.NaN;
            readFrom = from;
        }
        peakFrom[k] = from;
        double[] col = series.usageColumn(r);
        int start = (int) Math.max(0, (Math.max(readFrom, firstAt) - firstAt) / stepSeconds);
        for (int i = start; i < size; i++) {
            double x = col[i];
            if (!Double.isNaN(x) && (Double.isNaN(peak[k]) || x >= peak[k])) {
                peak[k] = x;
                peakAt[k] = firstAt + (long) i * stepSeconds;
            }
        }
        peakReadTo[k] = nextAt();
        return peak[k];
    }

    /**
     * Appends the usage of the interval starting at {@code at}; intervals skipped since the last append
     * (a source that did not report) are kept as NaN so the grid stays regular.
     */
    public void append(long at, double[] usage) {
        append(at, usage, null);
    }

    /**
     * As {@link #append(long, double[])} with what the job log knew at the interval's end ({@code jobs}: null when
     * the source knows no jobs).
     */
    public void append(long at, double[] usage, JobState jobs) {
        append(at, usage, jobs, null);
    }

    /**
     * As {@link #append(long, double[], JobState)} with the user's interaction events of the interval ({@code events}:
     * null when the source records no events).
     */
    public void append(long at, double[] usage, JobState jobs, EventCounts events) {
        Objects.requireNonNull(usage, "usage");
        if (usage.length != Resource.COUNT) {
            throw new IllegalArgumentException("usage needs one value per resource");
        }
        long next = nextAt();
        if (at < next || (at - next) % stepSeconds != 0) {
            throw new IllegalArgumentException("interval at " + at + " is not after the last one (next expected at "
                    + next + ", step " + stepSeconds + " s)");
        }
        int skip = (int) ((at - next) / stepSeconds);
        if (size + skip + 1 > due || (jobs != null && series.jobs() == null)
                || (events != null && series.events() == null)) {
            compact(skip + 1, jobs != null, events != null);
        } else if (size + skip + 1 > series.size()) {
            grow(skip + 1);
        }
        size += skip; // already NaN
        for (int r = 0; r < Resource.COUNT; r++) {
            series.usageColumn(Resource.of(r))[size] = usage[r];
        }
        if (jobs != null) {
            series.jobs().set(size, jobs);
        }
        if (events != null) {
            series.events().set(size, events);
        }
        size++;
    }

    /**
     * Moves the last {@code window} intervals to a new series with room for at least {@code need} more (with job
     * columns if this one has them or {@code withJobs}, with event columns likewise).
     */
    private void compact(int need, boolean withJobs, boolean withEvents) {
        int keep = Math.min(size, window);
        int drop = size - keep;
        double[][] cols = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            cols[r] = Arrays.copyOfRange(series.usageColumn(Resource.of(r)), drop, size);
        }
        JobColumns jobs = series.jobs() != null ? series.jobs().slice(drop, size)
                : withJobs ? JobColumns.unknown(keep) : null;
        EventColumns events = series.events() != null ? series.events().slice(drop, size)
                : withEvents ? EventColumns.none(keep) : null;
        firstAt += (long) drop * stepSeconds;
        series = place(firstAt, cols, jobs, events, keep, need);
        size = keep;
    }

    /** The same intervals from the same start in longer arrays (at most to {@link #due}): nothing dropped. */
    private void grow(int need) {
        double[][] cols = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            cols[r] = Arrays.copyOf(series.usageColumn(Resource.of(r)), size);
        }
        JobColumns jobs = series.jobs() == null ? null : series.jobs().slice(0, size);
        EventColumns events = series.events() == null ? null : series.events().slice(0, size);
        series = allocate(firstAt, cols, jobs, events, size, Math.min(due, size + need + room));
    }

    /** A new series of n observed intervals whose next compaction is due as it always was, in arrays of n + room. */
    private UserSeries place(long first, double[][] observed, JobColumns observedJobs, EventColumns observedEvents,
                             int n, int need) {
        due = Math.max(n + need, Math.min(n, window) + slack);
        return allocate(first, observed, observedJobs, observedEvents, n, Math.min(due, n + need + room));
    }

    /** The shared grid {@code first + i * step} for i in [0, length): never written (UserSeries only reads it). */
    private static long[] grid(long first, int step, int length) {
        Grid key = new Grid(first, step, length);
        java.lang.ref.WeakReference<long[]> ref = GRIDS.get(key);
        long[] ts = ref == null ? null : ref.get();
        if (ts == null) {
            ts = new long[length];
            for (int i = 0; i < length; i++) {
                ts[i] = first + (long) i * step;
            }
            if (GRIDS.size() > 4096) {
                // grids no history uses any more (their users compacted onto later ones)
                GRIDS.values().removeIf(r -> r.get() == null);
            }
            GRIDS.put(key, new java.lang.ref.WeakReference<>(ts));
        }
        return ts;
    }

    private UserSeries allocate(long first, double[][] observed, JobColumns observedJobs, EventColumns observedEvents,
                                int n, int cap) {
        long[] ts = grid(first, stepSeconds, cap);
        double[][] u = new double[Resource.COUNT][cap];
        for (int r = 0; r < Resource.COUNT; r++) {
            Arrays.fill(u[r], Double.NaN);
            if (observed[r].length > 0) {
                System.arraycopy(observed[r], 0, u[r], 0, n);
            }
        }
        double[] nan = NAN_COLUMNS.computeIfAbsent(cap, k -> {
            double[] a = new double[k];
            Arrays.fill(a, Double.NaN);
            return a;
        });
        JobColumns jobs = null;
        if (observedJobs != null) {
            jobs = JobColumns.unknown(cap);
            jobs.copyFrom(observedJobs, 0, 0, n);
        }
        EventColumns events = null;
        if (observedEvents != null) {
            events = EventColumns.none(cap);
            events.copyFrom(observedEvents, 0, 0, n);
        }
        // capacity is not history the forecasters read: one shared read-only NaN column per length
        return new UserSeries(user, stepSeconds, ts, u, new double[][] {nan, nan, nan, nan}, jobs, events);
    }
}
