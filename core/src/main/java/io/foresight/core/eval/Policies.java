package io.foresight.core.eval;

import io.foresight.core.baseline.AutopilotPolicy;
import io.foresight.core.baseline.HpaPolicy;
import io.foresight.core.baseline.OraclePolicy;
import io.foresight.core.baseline.StaticPolicy;
import io.foresight.core.baseline.VpaPolicy;
import io.foresight.core.control.PredictiveController;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The policies the harness knows by name, how to build them from the training trace, and what they need. */
public final class Policies {
    public static final List<String> NAMES = List.of("static", "hpa", "vpa", "autopilot", "oracle", "foresight");

    /** Foresight's tunable settings (tuned on the training month only, see EvaluationTuning). */
    public record ForesightSettings(double[] quantiles, double scaleAlpha, double expertAlpha, int[] peakHoldSteps,
                                    PlannerConfig planner) {
        public ForesightSettings {
            if (quantiles == null || quantiles.length != io.foresight.core.model.Resource.COUNT) {
                throw new IllegalArgumentException("one upper-bound quantile per resource (cpu, memory, network, disk)");
            }
            for (double q : quantiles) {
                if (!(q > 0 && q < 1)) {
                    throw new IllegalArgumentException("quantile must be in (0,1), got " + q);
                }
            }
            quantiles = quantiles.clone();
            Objects.requireNonNull(peakHoldSteps, "peakHoldSteps");
            peakHoldSteps = peakHoldSteps.clone();
            Objects.requireNonNull(planner, "planner");
        }

        /** The settings chosen on the July 2013 training month (see the evaluation report). */
        public static ForesightSettings defaults() {
            // Chosen with EvaluationTuning on July 2013 split at day 21 (the test month was not used):
            // CPU q 0.97 / memory q 0.99, lead 0 (the harness already gives a one-step lead), 5% headroom,
            // scale down after 12 low steps (1 h).
            return new ForesightSettings(new double[] {0.97, 0.99, 0.95, 0.95}, BlendForecaster.DEFAULT_SCALE_ALPHA,
                    BlendForecaster.DEFAULT_EXPERT_ALPHA,
                    new int[] {0, 0, 0, 0}, new PlannerConfig(new int[] {0, 0, 0, 0}, 0.05, 12, 0.05,
                    ResourceVector.of(0.025, 250.0 / 1024, 0.0, 0.0)));
        }
    }

    private Policies() {}

    /** Parses "a,b,c"; unknown or repeated names fail with the list of valid ones. */
    public static List<String> parse(String csv) {
        List<String> out = new ArrayList<>();
        for (String raw : csv.split(",")) {
            String n = raw.trim().toLowerCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            if (!NAMES.contains(n)) {
                throw new IllegalArgumentException("unknown policy '" + raw.trim() + "': use any of " + String.join(",", NAMES));
            }
            if (out.contains(n)) {
                throw new IllegalArgumentException("policy '" + n + "' is listed twice in --policies");
            }
            out.add(n);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no policy given: use any of " + String.join(",", NAMES));
        }
        return out;
    }

    /** Intervals of test data a policy needs to mean anything (its decision window). */
    public static int minimumTestIntervals(String name, int stepSeconds, ForesightSettings settings) {
        return switch (name) {
            case "hpa" -> (int) (HpaPolicy.STABILIZATION_S / stepSeconds) + 1;
            case "autopilot" -> (int) Math.ceil(3600.0 / stepSeconds);
            case "foresight" -> {
                int lead = 0;
                for (int l : settings.planner().leadSteps()) {
                    lead = Math.max(lead, l);
                }
                yield lead + 2;
            }
            default -> 1;
        };
    }

    /** Checks the test trace is long enough for every policy, before any work starts. */
    public static void checkTestLength(List<String> names, Trace test, ForesightSettings settings) {
        int longest = 0;
        for (var s : test.users().values()) {
            longest = Math.max(longest, s.size());
        }
        for (String n : names) {
            int need = minimumTestIntervals(n, test.stepSeconds(), settings);
            if (longest < need) {
                throw new IllegalArgumentException("the test window has " + longest + " intervals of " + test.stepSeconds()
                        + " s but policy '" + n + "' needs at least " + need + ": pass a longer --test trace");
            }
        }
    }

    /**
     * Builds the named policies; everything learned comes from {@code train} (may be empty). The
     * forecaster is fitted only if foresight is asked for.
     */
    public static List<AllocationPolicy> create(List<String> names, Trace train, ForesightSettings settings,
                                                PolicyGate gate, PriceBook prices) {
        StaticPolicy stat = StaticPolicy.fromTraining(train);
        List<AllocationPolicy> out = new ArrayList<>();
        for (String n : names) {
            out.add(switch (n) {
                case "static" -> stat;
                case "hpa" -> new HpaPolicy(HpaPolicy.DEFAULT_TARGET, stat);
                case "vpa" -> new VpaPolicy(stat);
                case "autopilot" -> new AutopilotPolicy(stat);
                case "oracle" -> new OraclePolicy();
                case "foresight" -> foresight(train, settings, gate, prices, stat);
                default -> throw new IllegalArgumentException("unknown policy '" + n + "': use any of " + String.join(",", NAMES));
            });
        }
        return out;
    }

    static ForesightPolicy foresight(Trace train, ForesightSettings settings, PolicyGate gate, PriceBook prices,
                                     StaticPolicy stat) {
        int horizon = 1;
        for (int l : settings.planner().leadSteps()) {
            horizon = Math.max(horizon, l + 1);
        }
        BlendForecaster f = train == null || train.users().isEmpty()
                ? new BlendForecaster(BlendForecaster.Model.untrained(settings.quantiles(), horizon))
                : BlendForecaster.fit(train, settings.quantiles(), horizon, settings.scaleAlpha(), settings.expertAlpha(),
                        settings.peakHoldSteps());
        PredictiveController c = new PredictiveController(f, new Planner(settings.planner()), gate, prices);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("quantiles", settings.quantiles().clone());
        extra.put("residual_scale_alpha", settings.scaleAlpha());
        extra.put("expert_alpha", settings.expertAlpha());
        extra.put("upper_bound_floor_peak_of_last_steps", settings.peakHoldSteps().clone());
        extra.put("blend_weights", weights(f.model()));
        extra.put("gate", gate == PolicyGate.PERMISSIVE ? "permissive" : gate.getClass().getSimpleName());
        return new ForesightPolicy(c, stat, extra);
    }

    private static Map<String, Object> weights(BlendForecaster.Model m) {
        Map<String, Object> w = new LinkedHashMap<>();
        String[] res = {"cpu", "memory", "network", "disk"};
        for (int r = 0; r < res.length; r++) {
            w.put(res[r], m.weights()[r].clone());
        }
        return w;
    }
}
