package io.foresight.collect.store;

import io.foresight.collect.source.PrometheusSource;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Read-only store over a live cluster's Prometheus: the same queries as {@link DuckDbStore},
 * answered with PromQL range queries (chunked below Prometheus's points limit). Windows are
 * aligned down to the step, as Prometheus evaluates on step boundaries. Writes go to the
 * cluster's own exporters, not through Foresight, so this is a {@link TimeSeriesReader} only.
 */
public final class PrometheusReader implements TimeSeriesReader {
    private final PrometheusSource.Config config;
    private final int statsStep;
    private final Clock clock;

    /** @param statsStep resolution in seconds at which {@link #userStats} samples (e.g. 300) */
    public PrometheusReader(PrometheusSource.Config config, int statsStep, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        if (statsStep <= 0) {
            throw new IllegalArgumentException("statsStep must be positive");
        }
        this.statsStep = statsStep;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private Trace fetch(String user, long from, long to, int step) {
        return new PrometheusSource(config, from, to, step).fetch(user);
    }

    @Override
    public UserSeries series(String user, long from, long to, int step) {
        Objects.requireNonNull(user, "user");
        Trace t = fetch(user, from, to, step);
        UserSeries s = t.user(user);
        return s != null ? s : empty(user, Math.floorDiv(from, step) * (long) step, to, step);
    }

    @Override
    public Map<String, UserSeries> latest(long windowSeconds, int step) {
        long now = Math.floorDiv(clock.instant().getEpochSecond(), step) * (long) step;
        return fetch(null, now - windowSeconds + step, now + 1, step).users();
    }

    @Override
    public List<UserStats> userStats(long from, long to) {
        List<UserStats> out = new ArrayList<>();
        for (UserSeries s : fetch(null, from, to, statsStep).users().values()) {
            double[] mean = new double[Resource.COUNT];
            double[] peak = new double[Resource.COUNT];
            long samples = 0;
            for (Resource r : Resource.values()) {
                double sum = 0;
                double max = Double.NaN;
                long n = 0;
                for (double v : s.usageColumn(r)) {
                    if (!Double.isNaN(v)) {
                        sum += v;
                        n++;
                        max = Double.isNaN(max) ? v : Math.max(max, v);
                    }
                }
                mean[r.ordinal()] = n == 0 ? Double.NaN : sum / n;
                peak[r.ordinal()] = max;
                samples = Math.max(samples, n);
            }
            out.add(new UserStats(s.user(), samples, ResourceVector.of(mean), ResourceVector.of(peak)));
        }
        return out;
    }

    @Override
    public UserSeries poolTotals(long from, long to, int step) {
        UserSeries pool = empty("pool", Math.floorDiv(from, step) * (long) step, to, step);
        for (UserSeries s : fetch(null, from, to, step).users().values()) {
            for (Resource r : Resource.values()) {
                double[] acc = pool.usageColumn(r);
                double[] v = s.usageColumn(r);
                for (int i = 0; i < acc.length && i < v.length; i++) {
                    if (!Double.isNaN(v[i])) {
                        acc[i] = Double.isNaN(acc[i]) ? v[i] : acc[i] + v[i];
                    }
                }
            }
        }
        return pool;
    }

    @Override
    public List<String> users() {
        return List.copyOf(latest(3600, 300).keySet());
    }

    private static UserSeries empty(String user, long from, long to, int step) {
        int slots = (int) ((to - from + step - 1) / step);
        long[] ts = new long[slots];
        for (int i = 0; i < slots; i++) {
            ts[i] = from + (long) i * step;
        }
        double[][] u = new double[Resource.COUNT][slots];
        double[][] c = new double[Resource.COUNT][slots];
        for (int r = 0; r < Resource.COUNT; r++) {
            Arrays.fill(u[r], Double.NaN);
            Arrays.fill(c[r], Double.NaN);
        }
        return new UserSeries(user, step, ts, u, c);
    }

    @Override
    public void close() {
        // stateless: every query opens its own HTTP exchange
    }
}
