package io.foresight.activities.controlloop;

import io.foresight.collect.source.PrometheusSource;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A live Prometheus as the loop's usage source, on the wall clock. Reference (written by {@code loop start}):
 * {@code prometheus:URL#label=L&cpu=Q&memory=Q&...&step=S&start=T} with URL-encoded PromQL per resource.
 *
 * <p>Interval {@code i} starts at {@code start + (i - firstInterval()) * step}: cycle 0 observes the interval that
 * begins at {@code start}, the intervals before it are the warm-up history (four days). The source never ends
 * ({@link #intervals()} is unbounded); an interval Prometheus has no sample of (not yet scraped, the exporter is
 * down) reads as NaN, which the loop treats as "not observed": those users are held and reported stale.
 * New samples are fetched once per interval for all users (one range query per resource), not per user. A
 * Prometheus that is down or refuses while the loop runs leaves the intervals unread (the users are held as stale,
 * visible in {@code loop status}); they are fetched again at the next cycle.
 *
 * <p>Prometheus says nothing about what a user is allocated; until the actuator has set an allocation, the loop
 * takes the user's peak usage over the warm-up window as the allocation in force (what the user demonstrably used,
 * so the first decisions neither assume slack nor a shortage that was never observed).
 */
public final class PrometheusUsageSource implements UsageSource {
    /** Four days of history before cycle 0: the anomaly detector's seasonal baseline needs three and most of a fourth. */
    static final long WARMUP_SECONDS = 4 * 86_400L;

    private final PrometheusSource.Config config;
    private final int step;
    private final long start;
    private final int warmup;
    private final LongSupplier clock;
    private final List<String> users;
    /** Columns per user, over intervals [0, loaded). */
    private final Map<String, double[][]> usage = new HashMap<>();
    private final Map<String, double[]> baseline = new HashMap<>();
    private int loaded;
    private volatile String lastError;

    /**
     * @param start epoch seconds at which cycle 0's interval begins (aligned down to the step)
     * @param clock wall clock in epoch seconds: intervals that have not ended are not queried
     */
    public PrometheusUsageSource(PrometheusSource.Config config, int step, long start, LongSupplier clock) {
        this.config = Objects.requireNonNull(config, "config");
        if (step <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + step);
        }
        this.step = step;
        this.start = Math.floorDiv(start, step) * step;
        this.warmup = (int) ((WARMUP_SECONDS + step - 1) / step);
        this.clock = Objects.requireNonNull(clock, "clock");
        Trace warm = new PrometheusSource(config, timestamp(0), timestamp(warmup), step).read();
        if (warm.users().isEmpty()) {
            throw new IllegalArgumentException("Prometheus at " + config.baseUrl() + " returned no series for the cpu query over the "
                    + "four days before " + java.time.Instant.ofEpochSecond(this.start) + ". Fix: check the query and the user label '"
                    + config.userLabel() + "' (try it in the Prometheus UI), or that the exporters report");
        }
        this.users = List.copyOf(new java.util.TreeSet<>(warm.users().keySet()));
        for (String u : users) {
            double[][] cols = new double[Resource.COUNT][];
            double[] peak = new double[Resource.COUNT];
            UserSeries s = warm.user(u);
            for (Resource r : Resource.values()) {
                cols[r.ordinal()] = Arrays.copyOf(s.usageColumn(r), warmup);
                peak[r.ordinal()] = Arrays.stream(cols[r.ordinal()]).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
            }
            usage.put(u, cols);
            baseline.put(u, peak);
        }
        this.loaded = warmup;
    }

    /** Resolves {@code prometheus:} references; one source per reference (so one fetch per interval per worker). */
    public static Resolver resolver(LongSupplier clock) {
        Map<String, UsageSource> cache = new java.util.concurrent.ConcurrentHashMap<>();
        return ref -> cache.computeIfAbsent(ref, r -> parse(r, clock));
    }

    /** Parses a {@code prometheus:URL#...} reference. */
    static PrometheusUsageSource parse(String ref, LongSupplier clock) {
        LiveReference r = LiveReference.parse(ref, "prometheus:");
        Map<Resource, String> q = new EnumMap<>(Resource.class);
        for (Resource res : Resource.values()) {
            String v = r.params().get(res.name().toLowerCase(Locale.ROOT));
            if (v != null) {
                q.put(res, v);
            }
        }
        PrometheusSource.Config c = new PrometheusSource.Config(URI.create(r.url()),
                r.params().getOrDefault("label", "namespace"), q, Duration.ofSeconds(30), PrometheusSource.PROMETHEUS_MAX_POINTS);
        return new PrometheusUsageSource(c, r.step(), r.start(), clock);
    }

    /** Start of interval {@code i}. */
    long timestamp(int i) {
        return start + (long) (i - warmup) * step;
    }

    @Override
    public List<String> users() {
        return users;
    }

    @Override
    public int stepSeconds() {
        return step;
    }

    @Override
    public int firstInterval() {
        return warmup;
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public int intervals() {
        return Integer.MAX_VALUE; // a live source does not end
    }

    @Override
    public synchronized UserSeries history(String user, int upTo) {
        double[][] cols = usage.get(user);
        if (cols == null) {
            throw new IllegalArgumentException("user '" + user + "' was not reporting when the loop started");
        }
        load(upTo);
        int n = Math.max(0, upTo);
        long[] ts = new long[n];
        double[][] use = new double[Resource.COUNT][n];
        double[][] cap = new double[Resource.COUNT][n];
        double[] peak = baseline.get(user);
        for (int i = 0; i < n; i++) {
            ts[i] = timestamp(i);
            for (int r = 0; r < Resource.COUNT; r++) {
                use[r][i] = i < cols[r].length ? cols[r][i] : Double.NaN;
                cap[r][i] = peak[r];
            }
        }
        return new UserSeries(user, step, ts, use, cap);
    }

    /** Fetches intervals [loaded, upTo) that have ended by now, for all users at once. */
    private void load(int upTo) {
        long now = clock.getAsLong();
        int ended = upTo;
        while (ended > loaded && timestamp(ended - 1) + step > now) {
            ended--;
        }
        if (ended <= loaded) {
            return;
        }
        Trace t;
        try {
            t = new PrometheusSource(config, timestamp(loaded), timestamp(ended), step).read();
        } catch (io.foresight.collect.source.PrometheusException | java.io.UncheckedIOException e) {
            // Prometheus down or refusing: the intervals stay unread (NaN, so the loop holds every user and says they
            // are stale) and are fetched again next cycle; the loop goes on instead of failing its cycles
            lastError = e.getMessage();
            return;
        }
        lastError = null;
        for (String u : users) {
            double[][] cols = usage.get(u);
            UserSeries s = t.user(u);
            for (int r = 0; r < Resource.COUNT; r++) {
                double[] grown = Arrays.copyOf(cols[r], ended);
                Arrays.fill(grown, loaded, ended, Double.NaN);
                if (s != null) {
                    double[] got = s.usageColumn(Resource.values()[r]);
                    System.arraycopy(got, 0, grown, loaded, Math.min(got.length, ended - loaded));
                }
                cols[r] = grown;
            }
        }
        loaded = ended;
    }

    /** Why the last fetch failed, or null if it succeeded. */
    public String lastError() {
        return lastError;
    }

    /** A resolver for every reference kind the loop knows: trace replay and live Prometheus. */
    public static Resolver withTraces(Resolver traces, LongSupplier clock) {
        Resolver prometheus = resolver(clock);
        return ref -> ref.startsWith("prometheus:") ? prometheus.open(ref) : traces.open(ref);
    }

}
