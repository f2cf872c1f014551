package io.foresight.activities.controlloop;

import io.foresight.collect.store.StoreException;
import io.foresight.collect.store.StoreView;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.EventColumns;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The ingestion store as the loop's usage source: each user's usage as the store averages it into the loop's step,
 * and next to it the interaction events the ingestion API recorded ({@code POST /v1/events}), counted per interval
 * ({@link EventColumns}), so the engine reads them as a leading signal exactly as it reads a job log's queue.
 *
 * <p>Interval {@code i} starts at {@code start + (i - firstInterval()) * step}; the {@code warmupSteps} intervals before
 * {@code start} are the forecaster's warm-up history. Only intervals that have ended by {@code clock} exist, so an
 * event or sample of a later interval is never read. A user without a sample in an interval has stopped reporting
 * (the source is {@linkplain #live() live}). The users are those the store had usage of when the source was opened,
 * in id order.
 *
 * <p>The store is the embedded one in process, or the ingestion API of a {@code foresight data serve} process on any
 * host ({@code io.foresight.collect.api.IngestClient}; pool files say {@code source: store:URL}). A cycle reads one
 * interval per user; if the store cannot answer, the interval reads as not reported, so the loop holds those users
 * and says they are stale instead of failing its cycles, and reads again next cycle.
 */
public final class StoreUsageSource implements UsageSource {
    private final StoreView store;
    private final long start;
    private final int step;
    private final int warmup;
    private final LongSupplier clock;
    private final List<String> users;
    private volatile String lastError;
    /** Per user, the peak of each resource over the warm-up: what is taken as provisioned where no capacity was sent. */
    private final java.util.Map<String, ResourceVector> warmupPeak = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param start epoch seconds at which cycle 0's interval begins
     * @param clock epoch seconds now: intervals that have not ended are not read
     */
    public StoreUsageSource(StoreView store, long start, int step, int warmupSteps, LongSupplier clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (step <= 0 || warmupSteps < 1) {
            throw new IllegalArgumentException("step and warmupSteps must be positive, got " + step + ", " + warmupSteps);
        }
        this.start = start;
        this.step = step;
        this.warmup = warmupSteps;
        List<String> u = new ArrayList<>(store.users());
        Collections.sort(u);
        this.users = List.copyOf(u);
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
    public int intervals() {
        long ended = Math.floorDiv(clock.getAsLong() - start, step);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE - warmup, ended)) + warmup;
    }

    @Override
    public UserSeries history(String user, int upTo) {
        int n = Math.max(0, Math.min(upTo, intervals()));
        long origin = start - (long) warmup * step;
        long to = origin + (long) n * step;
        UserSeries usage = withProvisioned(store.series(user, origin, to, step));
        return usage.withEvents(EventColumns.bin(user, store.events(user, origin * 1000, to * 1000), origin, step, n));
    }

    @Override
    public Sample sample(String user, int interval) {
        if (interval >= intervals()) {
            return null;
        }
        long from = start + (long) (interval - warmup) * step;
        UserSeries one;
        try {
            one = store.series(user, from, from + step, step);
            one = one.withEvents(EventColumns.bin(user, store.events(user, from * 1000, (from + step) * 1000), from, step, one.size()));
            lastError = null;
        } catch (StoreException e) {
            lastError = e.getMessage();
            ResourceVector none = ResourceVector.of(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            return new Sample(from, none, none, null);
        }
        if (one.size() == 0) {
            return null;
        }
        Sample got = Sample.of(one, 0);
        return Double.isNaN(got.provisioned().cpu())
                ? new Sample(got.at(), got.usage(), peak(user), got.jobs(), got.events()) : got;
    }

    /**
     * What the platform provisioned for a user whose agent sends usage without capacity: the peak of the warm-up, as for
     * a Prometheus source (a live platform reports no request for most workloads). Read once per user.
     */
    private ResourceVector peak(String user) {
        return warmupPeak.computeIfAbsent(user, u -> {
            long origin = start - (long) warmup * step;
            UserSeries w = store.series(u, origin, start, step);
            return peakOf(w, w.size());
        });
    }

    /** Each resource's peak over the first {@code n} intervals of {@code s}. */
    private static ResourceVector peakOf(UserSeries s, int n) {
        double[] p = new double[io.foresight.core.model.Resource.COUNT];
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            p[r.ordinal()] = java.util.Arrays.stream(s.usageColumn(r), 0, n).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
        }
        return ResourceVector.of(p);
    }

    private UserSeries withProvisioned(UserSeries s) {
        if (s.size() >= warmup) {
            // the series holds the whole warm-up: its peak needs no second read
            warmupPeak.computeIfAbsent(s.user(), u -> peakOf(s, warmup));
        }
        ResourceVector p = null;
        double[][] cap = new double[io.foresight.core.model.Resource.COUNT][];
        boolean filled = false;
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            cap[r.ordinal()] = s.capacityColumn(r).clone();
        }
        for (int i = 0; i < s.size(); i++) {
            if (Double.isNaN(cap[0][i])) {
                p = p == null ? peak(s.user()) : p;
                for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
                    cap[r.ordinal()][i] = p.get(r);
                }
                filled = true;
            }
        }
        if (!filled) {
            return s;
        }
        double[][] use = new double[io.foresight.core.model.Resource.COUNT][];
        long[] ts = new long[s.size()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = s.timestamp(i);
        }
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            use[r.ordinal()] = s.usageColumn(r);
        }
        return new UserSeries(s.user(), s.stepSeconds(), ts, use, cap);
    }

    /** Why the last read failed, or null if it succeeded. */
    public String lastError() {
        return lastError;
    }

    @Override
    public boolean live() {
        return true;
    }

    /**
     * Resolves {@code store:URL#step=S&start=T} references (what {@code loop start} writes for a pool file's
     * {@code source: store:URL}) to the store at URL, opened by {@code open} (the ingestion API with the worker's token
     * and trust); one source per reference.
     */
    public static Resolver resolver(int warmupSteps, LongSupplier clock, java.util.function.Function<String, StoreView> open) {
        java.util.Map<String, UsageSource> cache = new java.util.concurrent.ConcurrentHashMap<>();
        return ref -> cache.computeIfAbsent(ref, r -> parse(r, warmupSteps, clock, open));
    }

    static StoreUsageSource parse(String ref, int warmupSteps, LongSupplier clock, java.util.function.Function<String, StoreView> open) {
        LiveReference r = LiveReference.parse(ref, "store:");
        return new StoreUsageSource(open.apply(r.url()), r.start(), r.step(), warmupSteps, clock);
    }
}
