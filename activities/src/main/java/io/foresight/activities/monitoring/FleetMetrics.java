package io.foresight.activities.monitoring;

import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.DriftDetector.RetrainRequest;
import io.foresight.core.feedback.FeedbackCycle;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.monitor.IntervalReport;
import io.foresight.core.monitor.StalenessGuard;
import io.foresight.core.monitor.TopShortfall;
import io.foresight.core.monitor.UserOutcome;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Exports the feedback loop's outcomes to Prometheus with bounded label cardinality.
 *
 * <p>No metric has a user label: with 100k users a per-user series would be 100k series per metric and
 * per resource, which Prometheus handles badly and nobody can read on a dashboard. Every label takes
 * values from a closed set: {@code pool} (configured pools, at most {@link #MAX_POOLS}), {@code resource}
 * (4), {@code pattern} (6), {@code kind} (3), {@code rank} ("1".."{@link #TOP_K}") and {@code model}
 * (at most {@link #MAX_MODELS} distinct names per process; further ones are exported as "other").
 * The top-k shortfall gauge is keyed by rank, not by user: which user holds rank r in an interval is
 * per-user detail and goes to the outcome log ({@link io.foresight.core.feedback.OutcomeLog}) and
 * {@link IntervalReport#top()}. So the number of series is at most
 * pools x (4 x 9 + 6 + 10 + 4 x 3 + 6 + 3 + models x (4 x 2 + 1)) whatever the number of users.
 */
public final class FleetMetrics {
    public static final int TOP_K = 10;
    public static final int MAX_MODELS = 16;
    public static final int MAX_POOLS = 64;
    static final String OTHER = "other";

    private final Counter userIntervals;
    private final Counter underIntervals;
    private final Histogram shortfall;
    private final Gauge slack;
    private final Counter cost;
    private final Gauge absError;
    private final Gauge coverage;
    private final Gauge users;
    private final Gauge topShortfall;
    private final Counter anomalies;
    private final Gauge staleUsers;
    private final Gauge staleSources;
    private final Counter retrains;
    private final Gauge headroom;
    private final Set<String> models = new HashSet<>();
    private final Set<String> pools = new HashSet<>();

    public FleetMetrics(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        userIntervals = Counter.builder().name("foresight_user_intervals")
                .help("User-intervals whose usage was observed, per resource").labelNames("pool", "resource").register(registry);
        underIntervals = Counter.builder().name("foresight_underprovisioned_intervals")
                .help("User-intervals whose usage exceeded the allocation (SLO violations)")
                .labelNames("pool", "resource").register(registry);
        shortfall = Histogram.builder().name("foresight_shortfall_ratio")
                .help("Relative shortfall (used - allocated) / used of under-provisioned user-intervals")
                .classicUpperBounds(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0).labelNames("pool", "resource").register(registry);
        slack = Gauge.builder().name("foresight_allocation_slack_ratio")
                .help("Mean idle share of the allocation, max(0, allocated - used) / allocated, over the pool's users in the last interval")
                .labelNames("pool", "resource").register(registry);
        cost = Counter.builder().name("foresight_cost_dollars")
                .help("Cost of the allocations held, dollars").labelNames("pool").register(registry);
        absError = Gauge.builder().name("foresight_forecast_abs_error")
                .help("Mean absolute error of the point forecast in the last interval, in the resource's unit (cores, GiB, MB/s)")
                .labelNames("pool", "resource", "model").register(registry);
        coverage = Gauge.builder().name("foresight_forecast_upper_coverage_ratio")
                .help("Share of users whose usage stayed under the forecast's upper bound in the last interval")
                .labelNames("pool", "resource", "model").register(registry);
        users = Gauge.builder().name("foresight_users")
                .help("Users in the pool by behaviour pattern").labelNames("pool", "pattern").register(registry);
        topShortfall = Gauge.builder().name("foresight_top_shortfall_ratio")
                .help("Deepest relative shortfalls of the last interval by rank (user ids are in the outcome log, not labels)")
                .labelNames("pool", "rank").register(registry);
        anomalies = Counter.builder().name("foresight_anomalies")
                .help("Anomalies detected in usage or forecast residuals").labelNames("pool", "resource", "kind").register(registry);
        staleUsers = Gauge.builder().name("foresight_stale_users")
                .help("Users held at their allocation because a metric source stopped reporting").labelNames("pool").register(registry);
        staleSources = Gauge.builder().name("foresight_stale_sources")
                .help("User metric sources overdue").labelNames("pool").register(registry);
        retrains = Counter.builder().name("foresight_retrain_requests")
                .help("Retraining requests raised by forecast-error drift").labelNames("pool", "model").register(registry);
        headroom = Gauge.builder().name("foresight_headroom_ratio")
                .help("Headroom above the forecast's upper bound the learner currently proposes").labelNames("pool", "pattern")
                .register(registry);
    }

    /** Exports one interval's pool aggregates. */
    public void record(IntervalReport r) {
        String pool = pool(r.pool());
        for (Resource res : Resource.values()) {
            String rn = name(res);
            userIntervals.labelValues(pool, rn).inc(r.observed().getOrDefault(res, 0));
            underIntervals.labelValues(pool, rn).inc(r.underProvisioned().getOrDefault(res, 0));
            double s = r.meanSlack().getOrDefault(res, Double.NaN);
            if (!Double.isNaN(s)) {
                slack.labelValues(pool, rn).set(s);
            }
        }
        for (UserOutcome o : r.outcomes()) {
            for (Resource res : Resource.values()) {
                if (o.underProvisioned(res)) {
                    shortfall.labelValues(pool, name(res)).observe(o.shortfall().get(res));
                }
            }
        }
        cost.labelValues(pool).inc(r.costDollars());
        r.forecastAbsError().forEach((m, byRes) -> byRes.forEach((res, v) -> absError.labelValues(pool, name(res), model(m)).set(v)));
        r.forecastCoverage().forEach((m, byRes) -> byRes.forEach((res, v) -> coverage.labelValues(pool, name(res), model(m)).set(v)));
        for (Pattern p : Pattern.values()) {
            users.labelValues(pool, name(p)).set(r.usersByPattern().getOrDefault(p, 0));
        }
        List<TopShortfall> top = r.top();
        for (int rank = 1; rank <= TOP_K; rank++) {
            if (rank <= top.size()) {
                topShortfall.labelValues(pool, Integer.toString(rank)).set(top.get(rank - 1).ratio());
            } else {
                topShortfall.remove(pool, Integer.toString(rank)); // fewer short users than k: no stale ranks
            }
        }
    }

    /** Exports everything one feedback step produced for a pool. */
    public void record(FeedbackCycle.Result r) {
        record(r.report());
        String pool = r.report().pool();
        recordAnomalies(pool, r.anomalies());
        recordStaleness(pool, r.staleness());
        recordRetrainRequests(pool, r.retrain());
        recordHeadroom(pool, r.headroom());
    }

    public void recordAnomalies(String pool, Collection<Anomaly> found) {
        String p = pool(pool);
        for (Anomaly a : found) {
            anomalies.labelValues(p, name(a.resource()), a.kind().name().toLowerCase(Locale.ROOT)).inc();
        }
    }

    public void recordStaleness(String pool, StalenessGuard.Report report) {
        String p = pool(pool);
        staleUsers.labelValues(p).set(report.held().size());
        staleSources.labelValues(p).set(report.stale().size());
    }

    public void recordRetrainRequests(String pool, Collection<RetrainRequest> requests) {
        String p = pool(pool);
        for (RetrainRequest r : requests) {
            retrains.labelValues(p, model(r.model())).inc();
        }
    }

    public void recordHeadroom(String pool, Map<Pattern, Double> current) {
        String p = pool(pool);
        current.forEach((pat, h) -> headroom.labelValues(p, name(pat)).set(h));
    }

    private synchronized String model(String m) {
        if (models.contains(m)) {
            return m;
        }
        if (models.size() < MAX_MODELS) {
            models.add(m);
            return m;
        }
        return OTHER;
    }

    private synchronized String pool(String p) {
        Objects.requireNonNull(p, "pool");
        if (pools.contains(p)) {
            return p;
        }
        if (pools.size() < MAX_POOLS) {
            pools.add(p);
            return p;
        }
        return OTHER;
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
