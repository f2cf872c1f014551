package io.foresight.activities;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.activities.controlloop.TraceUsageSource;
import io.foresight.activities.controlloop.UsageSource;
import io.foresight.core.actuate.Actuator;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.PolicyGate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the control worker's activities are wired to. Every collaborator is a seam: the CLI passes the
 * store-backed {@link UsageSource.Resolver}, the MLflow champion {@link ForecasterProvider}, the Drools
 * {@link PolicyGate} and a real {@link Actuator} where it has them; {@link #defaults(Path)} replays traces
 * with the seasonal-naive model, a permissive gate and the file-backed {@link SimulatedCluster}.
 *
 * @param stateDir     where bulk data (usage, forecasts, plans, decisions, outcomes) and planner/drift
 *                     state live; must survive worker restarts
 * @param usageSources resolves a loop's data-source reference
 * @param forecasters  the model in use
 * @param policy       the policy gate
 * @param planner      planner settings
 * @param prices       prices for cost deltas and outcome cost
 * @param profiles     user profiles (team, tier, pattern) for policy checks
 * @param actuator     where allocations are applied
 * @param metrics      registry the loop's Prometheus metrics are registered in
 * @param drift             the per-user CUSUM on forecast errors whose alarms ask for retraining
 * @param retainCycles      cycles of bulk data kept in the state dir (older cycle dirs are deleted)
 * @param pools             builds a pool's collaborators from its pool file's settings
 */
public record ControlWorkerConfig(Path stateDir, UsageSource.Resolver usageSources, ForecasterProvider forecasters,
                                  PolicyGate policy, PlannerConfig planner, PriceBook prices,
                                  Function<String, UserProfile> profiles, Actuator actuator, PrometheusRegistry metrics,
                                  io.foresight.core.feedback.DriftDetector.Config drift, int retainCycles,
                                  PoolWiring pools) {
    /** Two days of 5-minute history before the first cycle: a daily seasonal model needs one, its error band another. */
    public static final int DEFAULT_WARMUP_STEPS = 2 * 288;

    /** A week of 5-minute cycles. */
    public static final int DEFAULT_RETAIN_CYCLES = 7 * 288;

    public ControlWorkerConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(usageSources, "usageSources");
        Objects.requireNonNull(forecasters, "forecasters");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(planner, "planner");
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(profiles, "profiles");
        Objects.requireNonNull(actuator, "actuator");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(pools, "pools");
        if (retainCycles < 2) {
            throw new IllegalArgumentException("retainCycles must be >= 2 (monitor reads the previous cycle), got "
                    + retainCycles);
        }
    }

    public static ControlWorkerConfig defaults(Path stateDir) {
        return new ControlWorkerConfig(stateDir, TraceUsageSource.resolver(DEFAULT_WARMUP_STEPS),
                ForecasterProvider.fixed(SeasonalNaiveForecaster.daily(), "seasonal-naive/builtin"),
                PolicyGate.PERMISSIVE, PlannerConfig.defaults(), PriceBook.DEFAULT, UserProfile::newUser,
                new SimulatedCluster(stateDir.resolve("cluster")), PrometheusRegistry.defaultRegistry,
                io.foresight.core.feedback.DriftDetector.Config.defaults(), DEFAULT_RETAIN_CYCLES, PoolWiring.NONE);
    }

    public ControlWorkerConfig withUsageSources(UsageSource.Resolver r) {
        return new ControlWorkerConfig(stateDir, r, forecasters, policy, planner, prices, profiles, actuator, metrics,
                drift, retainCycles, pools);
    }

    public ControlWorkerConfig withPlanner(PlannerConfig p) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, p, prices, profiles, actuator, metrics,
                drift, retainCycles, pools);
    }

    public ControlWorkerConfig withForecasters(ForecasterProvider f) {
        return new ControlWorkerConfig(stateDir, usageSources, f, policy, planner, prices, profiles, actuator, metrics,
                drift, retainCycles, pools);
    }

    public ControlWorkerConfig withPolicy(PolicyGate g) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, g, planner, prices, profiles, actuator,
                metrics, drift, retainCycles, pools);
    }

    public ControlWorkerConfig withActuator(Actuator a) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, profiles, a,
                metrics, drift, retainCycles, pools);
    }

    public ControlWorkerConfig withMetrics(PrometheusRegistry r) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, profiles, actuator,
                r, drift, retainCycles, pools);
    }

    public ControlWorkerConfig withProfiles(Function<String, UserProfile> p) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, p, actuator,
                metrics, drift, retainCycles, pools);
    }

    public ControlWorkerConfig withDrift(io.foresight.core.feedback.DriftDetector.Config d) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, profiles, actuator,
                metrics, d, retainCycles, pools);
    }

    public ControlWorkerConfig withStateDir(Path dir) {
        return new ControlWorkerConfig(dir, usageSources, forecasters, policy, planner, prices, profiles, actuator,
                metrics, drift, retainCycles, pools);
    }

    public ControlWorkerConfig withPools(PoolWiring w) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, profiles, actuator,
                metrics, drift, retainCycles, w);
    }

    public ControlWorkerConfig withRetainCycles(int n) {
        return new ControlWorkerConfig(stateDir, usageSources, forecasters, policy, planner, prices, profiles, actuator,
                metrics, drift, n, pools);
    }
}
