package io.foresight.activities.controlloop;

import io.foresight.core.model.Resource;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.HashMap;
import java.util.Map;

/**
 * Prometheus metrics of the loops, per pool only (labels pool and resource: cardinality is bounded by the
 * number of pools, never by users). Gauges hold the last cycle's outcome; counters count cycles once each
 * even when the monitor activity is retried.
 */
final class LoopMetrics {
    private final Gauge cycle;
    private final Gauge users;
    private final Gauge under;
    private final Gauge shortfall;
    private final Gauge slack;
    private final Gauge cost;
    private final Gauge mae;
    private final Counter cycles;
    private final Counter underTotal;
    private final Counter applied;
    private final Counter anomalies;
    private final Counter decisions;
    private final Counter rulesFired;
    private final Gauge waiting;
    private final Gauge drifting;
    private final Gauge stale;
    private final Gauge modelRefused;
    private final Counter refused;
    private final Map<String, Long> lastCounted = new HashMap<>();
    /** Last cycle whose decisions were counted, per pool and first shard checked (a retried check counts once). */
    private final Map<String, Long> lastDecided = new HashMap<>();

    private static final Map<PrometheusRegistry, LoopMetrics> BY_REGISTRY = new java.util.IdentityHashMap<>();

    /** One instance per registry: a registry refuses the same metric name twice (e.g. two workers in one JVM). */
    static synchronized LoopMetrics of(PrometheusRegistry registry) {
        return BY_REGISTRY.computeIfAbsent(registry, LoopMetrics::new);
    }

    private LoopMetrics(PrometheusRegistry registry) {
        cycle = Gauge.builder().name("foresight_loop_cycle").help("Last cycle the pool's loop monitored")
                .labelNames("pool").register(registry);
        users = Gauge.builder().name("foresight_pool_users").help("Users observed in the last interval")
                .labelNames("pool").register(registry);
        under = Gauge.builder().name("foresight_pool_under_provisioned_users")
                .help("Users whose usage exceeded their allocation in the last interval").labelNames("pool")
                .register(registry);
        shortfall = Gauge.builder().name("foresight_pool_shortfall")
                .help("Usage above allocation summed over users, last interval (cores, GiB)")
                .labelNames("pool", "resource").register(registry);
        slack = Gauge.builder().name("foresight_pool_slack")
                .help("Allocation above usage summed over users, last interval (cores, GiB)")
                .labelNames("pool", "resource").register(registry);
        cost = Gauge.builder().name("foresight_pool_cost_per_hour").help("Cost per hour of the allocations in force")
                .labelNames("pool").register(registry);
        mae = Gauge.builder().name("foresight_pool_cpu_forecast_mae")
                .help("Mean absolute error of the one-step CPU forecast, cores (-1: none yet)").labelNames("pool")
                .register(registry);
        cycles = Counter.builder().name("foresight_loop_cycles_total").help("Cycles monitored")
                .labelNames("pool").register(registry);
        underTotal = Counter.builder().name("foresight_pool_under_provisioned_intervals_total")
                .help("User-intervals with usage above allocation").labelNames("pool").register(registry);
        applied = Counter.builder().name("foresight_allocations_applied_total")
                .help("User allocations set by the loop").labelNames("pool").register(registry);
        anomalies = Counter.builder().name("foresight_usage_anomalies_total")
                .help("Resource-intervals whose usage was anomalous against the user's seasonal history")
                .labelNames("pool").register(registry);
        decisions = Counter.builder().name("foresight_policy_decisions")
                .help("Policy decisions by outcome (approved, adjusted, denied, waiting_approval; hold: no change planned "
                        + "or no forecast)").labelNames("pool", "outcome").register(registry);
        rulesFired = Counter.builder().name("foresight_policy_rules_fired")
                .help("Policy rules fired, by rule name (bounded by the rule set)").labelNames("pool", "rule")
                .register(registry);
        waiting = Gauge.builder().name("foresight_pool_waiting_approval_users")
                .help("Users whose change of the last cycle waits for a person's approval").labelNames("pool")
                .register(registry);
        drifting = Gauge.builder().name("foresight_pool_drifting_users")
                .help("Users whose forecast error drifted in the last cycle (per-user CUSUM alarm; feedback then asks "
                        + "for retraining)").labelNames("pool").register(registry);
        stale = Gauge.builder().name("foresight_pool_stale_users")
                .help("Users held at the last policy check because their source reported no sample for the interval")
                .labelNames("pool").register(registry);
        modelRefused = Gauge.builder().name("foresight_model_refused")
                .help("1 while the registry's champion is refused (feature schema, no passed gate, does not load) and "
                        + "the last good model predicts instead; 0 otherwise").labelNames("pool").register(registry);
        refused = Counter.builder().name("foresight_actuator_refusals")
                .help("Shard applies the actuator's target refused (e.g. Kubernetes 403, 404, 409, 422): the shard's "
                        + "allocations were held for the cycle").labelNames("pool", "status").register(registry);
    }

    /** Whether the pool's last predict served the last good model because the registry's champion was refused. */
    void modelRefused(String pool, boolean refused) {
        modelRefused.labelValues(pool).set(refused ? 1 : 0);
    }

    void refused(String pool, int status) {
        refused.labelValues(pool, String.valueOf(status)).inc();
    }

    void stale(String pool, int users) {
        stale.labelValues(pool).set(users);
    }

    synchronized void record(String pool, long c, MonitorResult r) {
        cycle.labelValues(pool).set(c);
        users.labelValues(pool).set(r.users());
        under.labelValues(pool).set(r.underProvisioned());
        shortfall.labelValues(pool, res(Resource.CPU)).set(r.cpuShortfall());
        shortfall.labelValues(pool, res(Resource.MEMORY)).set(r.memoryShortfall());
        slack.labelValues(pool, res(Resource.CPU)).set(r.cpuSlack());
        slack.labelValues(pool, res(Resource.MEMORY)).set(r.memorySlack());
        cost.labelValues(pool).set(r.costPerHour());
        mae.labelValues(pool).set(r.cpuForecastMae());
        Long last = lastCounted.get(pool);
        if (last == null || c > last) {
            lastCounted.put(pool, c);
            cycles.labelValues(pool).inc();
            underTotal.labelValues(pool).inc(r.underProvisioned());
        }
    }

    /**
     * A policy check's decisions. Every outcome is incremented, by zero if need be, so each has a series from the
     * first cycle on (a panel shows 0, not "no data").
     *
     * @param firstShard   the first shard the check covered (0 for the pool-wide check; the shard for per-shard ones)
     * @param waitingUsers users waiting for approval; the gauge takes it from the check starting at shard 0, which
     *                     is the whole pool except in histories started before the pool-wide check (shard 0 only)
     */
    synchronized void decided(String pool, long c, int firstShard, Map<String, Integer> byOutcome, int waitingUsers,
                              Map<String, Integer> fired) {
        String key = pool + "/" + firstShard;
        Long last = lastDecided.get(key);
        if (last != null && c <= last) {
            return; // a retry of a check already counted
        }
        lastDecided.put(key, c);
        if (firstShard == 0) {
            waiting.labelValues(pool).set(waitingUsers);
        }
        byOutcome.forEach((outcome, n) -> decisions.labelValues(pool, outcome.toLowerCase(java.util.Locale.ROOT)).inc(n));
        fired.forEach((rule, n) -> rulesFired.labelValues(pool, rule).inc(n));
    }

    void drifting(String pool, long users) {
        drifting.labelValues(pool).set(users);
    }

    void applied(String pool, int n) {
        applied.labelValues(pool).inc(n);
    }

    void anomalies(String pool, int n) {
        anomalies.labelValues(pool).inc(n);
    }

    private static String res(Resource r) {
        return r.name().toLowerCase(java.util.Locale.ROOT);
    }
}
