package io.foresight.core.trace;

import io.foresight.core.model.Resource;
import java.util.Arrays;

/**
 * A user's {@link JobState} per interval, stored column-wise next to its usage in a {@link UserSeries}
 * (only sources that know jobs, such as SWF job logs, have them). Value i describes the end of interval i.
 */
public final class JobColumns {
    private final double[][] running;
    private final double[][] queued;
    private final double[][] recentJob;

    private JobColumns(double[][] running, double[][] queued, double[][] recentJob) {
        this.running = running;
        this.queued = queued;
        this.recentJob = recentJob;
    }

    /** Columns of {@code n} intervals, every value NaN (not known) until set. */
    public static JobColumns unknown(int n) {
        return new JobColumns(nanRows(n), nanRows(n), nanRows(n));
    }

    private static double[][] nanRows(int n) {
        double[][] m = new double[Resource.COUNT][n];
        for (double[] row : m) {
            Arrays.fill(row, Double.NaN);
        }
        return m;
    }

    public int size() {
        return running[0].length;
    }

    public JobState at(int i) {
        double[] run = new double[Resource.COUNT];
        double[] q = new double[Resource.COUNT];
        double[] rec = new double[Resource.COUNT];
        for (int r = 0; r < Resource.COUNT; r++) {
            run[r] = running[r][i];
            q[r] = queued[r][i];
            rec[r] = recentJob[r][i];
        }
        return new JobState(run, q, rec);
    }

    public void set(int i, JobState s) {
        for (int r = 0; r < Resource.COUNT; r++) {
            running[r][i] = s.running()[r];
            queued[r][i] = s.queued()[r];
            recentJob[r][i] = s.recentJob()[r];
        }
    }

    public double running(Resource r, int i) {
        return running[r.ordinal()][i];
    }

    public double queued(Resource r, int i) {
        return queued[r.ordinal()][i];
    }

    public double recentJob(Resource r, int i) {
        return recentJob[r.ordinal()][i];
    }

    /** Demand known at the end of interval i for the next one: running plus queued (NaN if not known). */
    public double known(Resource r, int i) {
        return running[r.ordinal()][i] + queued[r.ordinal()][i];
    }

    /** Intervals [from, to) as new columns sharing no arrays with these. */
    public JobColumns slice(int from, int to) {
        return new JobColumns(copy(running, from, to), copy(queued, from, to), copy(recentJob, from, to));
    }

    /** Copies {@code len} intervals from {@code src} at {@code from} into these at {@code to}. */
    public void copyFrom(JobColumns src, int from, int to, int len) {
        for (int r = 0; r < Resource.COUNT; r++) {
            System.arraycopy(src.running[r], from, running[r], to, len);
            System.arraycopy(src.queued[r], from, queued[r], to, len);
            System.arraycopy(src.recentJob[r], from, recentJob[r], to, len);
        }
    }

    private static double[][] copy(double[][] m, int from, int to) {
        double[][] out = new double[m.length][];
        for (int r = 0; r < m.length; r++) {
            out[r] = Arrays.copyOfRange(m[r], from, to);
        }
        return out;
    }
}
