package io.foresight.core.engine;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.JobColumns;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.Objects;

/**
 * Execution history as a leading signal (issue 11, item 4). On a job log the demand of the next interval is
 * mostly known before its usage arrives: the jobs still running at the end of the interval just observed
 * keep their cores, and jobs submitted but waiting will start. What is not known is the net of jobs that end
 * and jobs submitted later. So, for each resource the log records, the bound becomes
 * <pre>  known demand now + the {@code quantile} of the user's own surprises (usage - the known demand one interval
 *  earlier) over the last {@code windowSeconds}</pre>
 * and, while the user submitted a job within the last day, at least the size of that job (room for one more),
 * since a user whose jobs just ended is likely to submit again. Surprises are negative when jobs end, so the
 * bound falls as soon as the user's jobs end as they usually do: the run-time history enters through them.
 * With fewer than {@code minSurprises} surprises the model's forecast is kept, raised to the known demand.
 *
 * <p>Only the history's intervals up to the last observed one are read (the job state of interval i is what the
 * log knew at its end), so nothing of the future is used.
 */
public final class QueueSignal {
    /**
     * @param quantile      the surprise quantile added to the known demand (0.98; how it was picked: docs/evaluation.md)
     * @param windowSeconds how far back surprises count
     * @param minSurprises  surprises needed before the signal replaces the model's bound
     * @param roomForRecentJob hold at least the size of the user's job submitted within the last day
     */
    public record Config(double quantile, long windowSeconds, int minSurprises, boolean roomForRecentJob) {
        public Config {
            if (!(quantile > 0 && quantile < 1)) {
                throw new IllegalArgumentException("quantile must be in (0,1), got " + quantile);
            }
            if (windowSeconds <= 0 || minSurprises < 1) {
                throw new IllegalArgumentException("windowSeconds and minSurprises must be positive");
            }
        }

        public static Config defaults() {
            return new Config(0.98, 3 * 86_400L, 24, true);
        }
    }

    private final Config config;

    public QueueSignal(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public Config config() {
        return config;
    }

    /** The forecast made from {@code h} with the job log's known demand in it; unchanged if {@code h} has no jobs. */
    public Forecast adjust(Forecast f, UserHistory h) {
        UserSeries s = h.series();
        JobColumns jobs = s.jobs();
        int n = h.size();
        if (jobs == null || n == 0) {
            return f;
        }
        int last = n - 1;
        double[][] point = copy(f.point());
        double[][] upper = copy(f.upper());
        double[] known = new double[Resource.COUNT];
        Arrays.fill(known, Double.NaN);
        int window = (int) Math.max(1, config.windowSeconds() / s.stepSeconds());
        double[] surprises = new double[Math.min(window, n)];
        for (Resource r : Resource.values()) {
            double now = jobs.known(r, last);
            if (Double.isNaN(now)) {
                continue;
            }
            int k = r.ordinal();
            known[k] = now;
            double[] usage = s.usageColumn(r);
            int m = 0;
            for (int i = Math.max(1, n - window); i < n; i++) {
                double d = usage[i] - jobs.known(r, i - 1);
                if (!Double.isNaN(d)) {
                    surprises[m++] = d;
                }
            }
            double room = config.roomForRecentJob() ? jobs.recentJob(r, last) : 0;
            room = Double.isNaN(room) ? 0 : room;
            double up;
            double mid;
            if (m < config.minSurprises()) {
                up = Double.NaN; // too little history: the model's bound, raised to what is known
                mid = Double.NaN;
            } else {
                Arrays.sort(surprises, 0, m);
                up = Math.max(room, Math.max(0, now + quantile(surprises, m, config.quantile())));
                mid = Math.max(0, now + quantile(surprises, m, 0.5));
            }
            for (int step = 0; step < f.horizon(); step++) {
                upper[k][step] = Double.isNaN(up) ? max(upper[k][step], Math.max(now, room)) : up;
                point[k][step] = Double.isNaN(mid) ? max(point[k][step], now) : mid;
            }
        }
        return new Forecast(f.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), point, upper, f.model(), known);
    }

    /** Linear-interpolated quantile of the first {@code m} (sorted) values. */
    static double quantile(double[] sorted, int m, double q) {
        double pos = q * (m - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(m - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double max(double a, double b) {
        return Double.isNaN(a) ? b : Math.max(a, b);
    }

    private static double[][] copy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }
}
