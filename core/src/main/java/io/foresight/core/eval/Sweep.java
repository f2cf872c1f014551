package io.foresight.core.eval;

import io.foresight.core.baseline.AutopilotPolicy;
import io.foresight.core.baseline.HpaPolicy;
import io.foresight.core.baseline.StaticPolicy;
import io.foresight.core.baseline.VpaPolicy;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Cost at matched risk: every policy replayed over its own risk knob, giving a cost-versus-under-provisioning curve
 * per policy, and the cost each pays where its CPU under-provisioning is a given fraction.
 *
 * <p>Knobs: static scales what the trace provisioned; hpa's target utilisation; vpa's target percentile and
 * margin; autopilot's CPU percentile and margin; foresight's CPU upper-bound quantile and the planner's headroom
 * (through the loop's engine, {@link PoolReplay}, at every setting). Every setting is replayed with the same
 * harness, warm-up, lead and scoring as the single-point evaluation.
 *
 * <p>The cost at risk r is read off the policy's frontier (the settings no other setting beats on both cost and CPU
 * under-provisioning), linearly between the two settings around r. Below the lowest risk swept it is "not
 * reached"; above the highest, the cheapest setting swept is an upper bound (marked so).
 */
public final class Sweep {
    /** The CPU risks the cost is matched at. */
    public static final double[] RISKS = {0.005, 0.01};

    /** One setting of one policy's knob: the values (for the report) and whether it is the policy's default. */
    public record Setting(String policy, Map<String, Object> knob, boolean isDefault) {
        public Setting {
            Objects.requireNonNull(policy, "policy");
            knob = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(knob));
        }

        /** A unique name for the run: policy[k=v,...]. */
        public String label() {
            StringBuilder b = new StringBuilder(policy).append('[');
            knob.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
            b.setLength(b.length() - 1);
            return b.append(']').toString();
        }
    }

    /** What one setting measured. */
    public record Point(Setting setting, PolicyMetrics metrics) {}

    /** The cost at one risk: {@code cost} NaN when not reached; {@code how} says how it was read off the curve. */
    public record Matched(double risk, double cost, String how) {
        public boolean reached() {
            return !Double.isNaN(cost);
        }
    }

    /** Every policy's points, in knob order. */
    /** Every policy's points, in knob order; {@code perUser}: per setting label, each test user's metrics. */
    public record Result(Map<String, List<Point>> frontier, Map<String, Map<String, PolicyMetrics>> perUser) {
        public Result(Map<String, List<Point>> frontier) {
            this(frontier, Map.of());
        }
    }

    private Sweep() {}

    /** The knob settings swept per policy (the first listed setting per policy that is its default is marked). */
    public static List<Setting> settings(List<String> policies, Policies.ForesightSettings foresight) {
        List<Setting> out = new ArrayList<>();
        for (String p : policies) {
            switch (p) {
                case "static" -> {
                    for (double s : new double[] {0.3, 0.4, 0.5, 0.6, 0.8, 1.0}) {
                        out.add(new Setting(p, Map.of("scale", s), s == 1.0));
                    }
                }
                case "hpa" -> {
                    for (double t : new double[] {0.5, 0.6, 0.7, 0.8, 0.9, 1.0}) {
                        out.add(new Setting(p, Map.of("target_utilization", t), t == HpaPolicy.DEFAULT_TARGET));
                    }
                }
                case "vpa" -> {
                    double[][] grid = {{0.5, 0.15}, {0.7, 0.15}, {0.8, 0.15}, {0.9, 0.15}, {0.95, 0.15}, {0.95, 0.3},
                            {0.99, 0.15}, {0.99, 0.3}, {0.99, 0.6}};
                    for (double[] g : grid) {
                        out.add(new Setting(p, knob("target_percentile", g[0], "margin", g[1]), g[0] == 0.9 && g[1] == 0.15));
                    }
                }
                case "autopilot" -> {
                    // p97 fills the step between p95 and p98 (Azure: 1.9 % -> 0.3 % CPU risk), where both matched risks
                    // fall, so autopilot's cost there is read between close settings as foresight's is
                    double[][] grid = {{0.8, 0.1}, {0.9, 0.1}, {0.95, 0.1}, {0.97, 0.1}, {0.98, 0.1}, {0.99, 0.1},
                            {0.99, 0.3}, {0.99, 0.6}, {1.0, 0.3}};
                    for (double[] g : grid) {
                        out.add(new Setting(p, knob("cpu_percentile", g[0], "cpu_margin", g[1]), g[0] == 0.95 && g[1] == 0.1));
                    }
                }
                case "foresight" -> {
                    double dq = foresight.quantiles()[Resource.CPU.ordinal()];
                    double dh = foresight.planner().headroom();
                    // each setting is a full replay through the engine, the costly part of a sweep: the quantile moves the
                    // bound in steps (a conformal quantile), the headroom moves it smoothly, so both are swept around the
                    // default to give a curve the matched risks can be read off between close settings; 0.93 fills the
                    // step between 0.9 and 0.95 (2.6 % -> 0.4 % CPU risk on Azure), 0.99 with 0.15 reaches below 0.5 %
                    // where the default does not (0.63 % on 50 Bitbrains VMs), so 0.5 % is read off, not "not reached";
                    // 0.94 splits the step 0.93 -> 0.95 where Azure's 0.5 % falls (0.9 % -> 0.4 %)
                    double[][] grid = {{0.85, 0.0}, {0.9, 0.0}, {0.9, 0.15}, {0.93, 0.0}, {0.94, 0.0}, {0.95, 0.0}, {dq, dh},
                            {0.99, 0.15}};
                    for (double[] g : grid) {
                        out.add(new Setting(p, knob("cpu_quantile", g[0], "headroom", g[1]), g[0] == dq && g[1] == dh));
                    }
                }
                default -> { } // oracle has no knob: it is the lower bound
            }
        }
        return out;
    }

    private static Map<String, Object> knob(String a, double x, String b, double y) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(a, x);
        m.put(b, y);
        return m;
    }

    /** The baseline policy a setting names, built from the training trace. */
    static AllocationPolicy baseline(Setting s, StaticPolicy stat) {
        double a = ((Number) s.knob().values().iterator().next()).doubleValue();
        AllocationPolicy p = switch (s.policy()) {
            case "static" -> scaled(stat, a);
            case "hpa" -> new HpaPolicy(a, stat);
            case "vpa" -> new VpaPolicy(stat, a, ((Number) s.knob().get("margin")).doubleValue());
            case "autopilot" -> new AutopilotPolicy(stat, a, ((Number) s.knob().get("cpu_margin")).doubleValue());
            default -> throw new IllegalArgumentException("no baseline knob for " + s.policy());
        };
        return named(p, s.label(), s.knob());
    }

    /**
     * The served model at a sweep setting's foresight settings: a calibrated family (median-periodic, recent-median)
     * with its CPU bound at the settings' CPU quantile, the same point forecasts and errors; null for a model whose
     * bound has no quantile to set (the blend is refitted per setting instead, {@link Policies#blend}).
     */
    public static io.foresight.core.forecast.Forecaster servedAt(io.foresight.core.forecast.Forecaster served,
                                                                 Policies.ForesightSettings at) {
        if (!(served instanceof io.foresight.core.forecast.CalibratedForecaster c)) {
            return null;
        }
        return c.withNominal(Resource.CPU, at.quantiles()[Resource.CPU.ordinal()]);
    }

    /** Foresight's settings at a sweep setting. */
    static Policies.ForesightSettings foresight(Setting s, Policies.ForesightSettings base) {
        return base.withRisk(((Number) s.knob().get("cpu_quantile")).doubleValue(),
                ((Number) s.knob().get("headroom")).doubleValue());
    }

    /** Static at a scale of what the trace provisioned (all resources alike). */
    static AllocationPolicy scaled(AllocationPolicy base, double scale) {
        if (!(scale > 0)) {
            throw new IllegalArgumentException("static scale must be positive, got " + scale);
        }
        return new AllocationPolicy() {
            @Override
            public String name() {
                return base.name();
            }

            @Override
            public Map<String, Object> parameters() {
                Map<String, Object> p = new LinkedHashMap<>(base.parameters());
                p.put("scale", scale);
                return p;
            }

            @Override
            public io.foresight.core.eval.UserAllocator start(UserSeries test) {
                io.foresight.core.eval.UserAllocator a = base.start(test);
                return new io.foresight.core.eval.UserAllocator() {
                    @Override
                    public double[] allocate(int i) {
                        double[] out = a.allocate(i).clone();
                        for (int r = 0; r < out.length; r++) {
                            out[r] *= scale;
                        }
                        return out;
                    }

                    @Override
                    public void observe(int i, double[] usage) {
                        a.observe(i, usage);
                    }
                };
            }
        };
    }

    private static AllocationPolicy named(AllocationPolicy p, String name, Map<String, Object> knob) {
        return new AllocationPolicy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, Object> parameters() {
                Map<String, Object> m = new LinkedHashMap<>(p.parameters());
                m.putAll(knob);
                return m;
            }

            @Override
            public io.foresight.core.eval.UserAllocator start(UserSeries test) {
                return p.start(test);
            }
        };
    }

    /**
     * Replays every setting. The baselines' settings run side by side in one pass over the users; foresight runs
     * once per setting through {@code foresightRun} (the loop's engine). A setting that is the policy's default
     * takes its metrics from {@code atDefaults} (the single-point run with the same harness) when given.
     *
     * @param foresightRun builds foresight's evaluator at given settings (null: foresight not swept)
     */
    public static Result run(List<Setting> settings, Trace train, Trace test, Evaluator.Config config,
                             Function<Policies.ForesightSettings, Evaluator> foresightRun, Policies.ForesightSettings base,
                             EvaluationResult atDefaults) {
        StaticPolicy stat = StaticPolicy.fromTraining(train);
        Map<String, List<Point>> frontier = new LinkedHashMap<>();
        Map<Setting, PolicyMetrics> measured = new LinkedHashMap<>();
        Map<String, Map<String, PolicyMetrics>> perUser = new LinkedHashMap<>();
        List<AllocationPolicy> baselines = new ArrayList<>();
        Map<String, Setting> byLabel = new LinkedHashMap<>();
        Evaluator.Config quiet = new Evaluator.Config(config.threads(), config.warmupDays(), 0, config.prices(), null, 0,
                config.provisioningSteps());
        for (Setting s : settings) {
            frontier.computeIfAbsent(s.policy(), k -> new ArrayList<>());
            PolicyMetrics known = s.isDefault() && atDefaults != null ? atDefaults.policies().get(s.policy()) : null;
            if (known != null) {
                measured.put(s, known); // its per-user metrics are the single-point run's (Evaluator#perUser)
            } else if (!s.policy().equals(Evaluator.FORESIGHT)) {
                baselines.add(baseline(s, stat));
                byLabel.put(s.label(), s);
            }
        }
        if (!baselines.isEmpty()) {
            progress(config, "sweep: " + baselines.size() + " baseline settings, one pass over " + test.users().size() + " users");
            Evaluator e = new Evaluator(baselines, quiet);
            EvaluationResult r = e.run(train, test);
            r.policies().forEach((label, m) -> measured.put(byLabel.get(label), m));
            perUser.putAll(e.perUser());
        }
        for (Setting s : settings) {
            if (s.policy().equals(Evaluator.FORESIGHT) && !measured.containsKey(s)) {
                if (foresightRun == null) {
                    throw new IllegalArgumentException("foresight is in the sweep but no way to run it was given");
                }
                progress(config, "sweep: " + s.label() + " through the loop's engine");
                long t0 = System.nanoTime();
                Evaluator e = foresightRun.apply(foresight(s, base));
                EvaluationResult r = e.run(train, test);
                measured.put(s, r.policies().get(Evaluator.FORESIGHT));
                perUser.put(s.label(), e.perUser().getOrDefault(Evaluator.FORESIGHT, Map.of()));
                progress(config, String.format(Locale.ROOT, "sweep: %s done in %.0f s", s.label(), (System.nanoTime() - t0) / 1e9));
            }
        }
        for (Setting s : settings) {
            frontier.get(s.policy()).add(new Point(s, measured.get(s)));
        }
        return new Result(frontier, perUser);
    }

    private static void progress(Evaluator.Config c, String line) {
        if (c.progress() != null) {
            c.progress().println(line);
        }
    }

    /**
     * The cost where CPU under-provisioning is {@code risk}, from points {under, cost}: on the frontier (points not
     * beaten on both), linear between the neighbours around {@code risk}; "not reached" below the lowest risk
     * measured; an upper bound (the cheapest point) above the highest.
     */
    public static Matched costAtRisk(List<double[]> points, double risk) {
        List<double[]> ok = new ArrayList<>();
        for (double[] p : points) {
            if (!Double.isNaN(p[0]) && !Double.isNaN(p[1])) {
                ok.add(p);
            }
        }
        if (ok.isEmpty()) {
            return new Matched(risk, Double.NaN, "not reached: no setting was scored");
        }
        ok.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
        List<double[]> front = new ArrayList<>();
        for (double[] p : ok) {
            if (front.isEmpty() || p[1] < front.get(front.size() - 1)[1]) {
                front.add(p);
            }
        }
        if (front.get(0)[0] > risk) {
            return new Matched(risk, Double.NaN, String.format(Locale.ROOT,
                    "not reached: the safest setting swept under-provisions %.3f%% of CPU intervals", 100 * front.get(0)[0]));
        }
        int j = 0;
        while (j + 1 < front.size() && front.get(j + 1)[0] <= risk) {
            j++;
        }
        double[] a = front.get(j);
        if (j + 1 == front.size()) {
            return new Matched(risk, a[1], a[0] == risk ? "at a setting swept" : String.format(Locale.ROOT,
                    "upper bound: the cheapest setting swept under-provisions only %.3f%%", 100 * a[0]));
        }
        double[] b = front.get(j + 1);
        if (a[0] == risk) {
            return new Matched(risk, a[1], "at a setting swept");
        }
        double w = (risk - a[0]) / (b[0] - a[0]);
        return new Matched(risk, a[1] + w * (b[1] - a[1]), String.format(Locale.ROOT,
                "interpolated between settings at %.3f%% and %.3f%%", 100 * a[0], 100 * b[0]));
    }

    /** A policy's cost (all resources, or one) at each of {@link #RISKS} of CPU under-provisioning. */
    public static List<Matched> matched(List<Point> points, PriceBook prices, Resource costOf) {
        List<double[]> xy = new ArrayList<>();
        for (Point p : points) {
            xy.add(new double[] {p.metrics().underprovisionedFraction(Resource.CPU),
                    costOf == null ? p.metrics().cost(prices) : p.metrics().cost(costOf, prices)});
        }
        List<Matched> out = new ArrayList<>();
        for (double r : RISKS) {
            out.add(costAtRisk(xy, r));
        }
        return out;
    }

    /** The risk as summary.json keys it ("0.005", "0.01"). */
    public static String riskKey(double r) {
        return java.math.BigDecimal.valueOf(r).stripTrailingZeros().toPlainString();
    }

    /** summary.json's {@code frontier}: per policy, a list of {knob, cost, underprovisioned_fraction per resource, ...}. */
    public static Map<String, Object> frontierJson(Result r, PriceBook prices) {
        Map<String, Object> out = new LinkedHashMap<>();
        r.frontier().forEach((policy, points) -> {
            List<Object> list = new ArrayList<>();
            for (Point p : points) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("knob", p.setting().knob());
                e.put("default", p.setting().isDefault());
                e.put("cost", p.metrics().cost(prices));
                Map<String, Object> under = new LinkedHashMap<>();
                Map<String, Object> cost = new LinkedHashMap<>();
                Map<String, Object> peaks = new LinkedHashMap<>();
                for (Resource res : Resource.values()) {
                    String k = res.name().toLowerCase(Locale.ROOT);
                    under.put(k, Summary.num(p.metrics().underprovisionedFraction(res)));
                    cost.put(k, p.metrics().cost(res, prices));
                }
                for (Resource res : Evaluator.PEAK_RESOURCES) {
                    peaks.put(res.name().toLowerCase(Locale.ROOT), Summary.num(p.metrics().peakCoverage(res)));
                }
                e.put("underprovisioned_fraction", under);
                e.put("cost_by_resource", cost);
                e.put("peak_coverage", peaks);
                e.put("changes_per_user_day", p.metrics().changesPerUserDay());
                list.add(e);
            }
            out.put(policy, list);
        });
        return out;
    }

    /** summary.json's {@code matched_risk}: per policy {"0.005": cost or "not reached", "0.01": ...}. */
    public static Map<String, Object> matchedJson(Result r, PriceBook prices) {
        Map<String, Object> out = new LinkedHashMap<>();
        r.frontier().forEach((policy, points) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Matched x : matched(points, prices, null)) {
                m.put(riskKey(x.risk()), x.reached() ? (Object) x.cost() : "not reached");
            }
            out.put(policy, m);
        });
        return out;
    }

    /** How each matched cost was read, and the CPU part of it: summary.json's {@code matched_risk_detail}. */
    public static Map<String, Object> matchedDetailJson(Result r, PriceBook prices) {
        Map<String, Object> out = new LinkedHashMap<>();
        r.frontier().forEach((policy, points) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Matched> all = matched(points, prices, null);
            List<Matched> cpu = matched(points, prices, Resource.CPU);
            for (int k = 0; k < all.size(); k++) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("how", all.get(k).how());
                e.put("cpu_cost", cpu.get(k).reached() ? (Object) cpu.get(k).cost() : "not reached");
                m.put(riskKey(all.get(k).risk()), e);
            }
            out.put(policy, m);
        });
        return out;
    }

    /** The terminal table: cost at each matched CPU risk per policy. */
    public static String table(Result r, PriceBook prices) {
        StringBuilder sb = new StringBuilder("cost at matched CPU risk (USD, all resources; <= : upper bound, the sweep stays below that risk)\n");
        sb.append(String.format(Locale.ROOT, "%-10s", "policy"));
        for (double risk : RISKS) {
            sb.append(String.format(Locale.ROOT, " %14s", "at " + 100 * risk + "%"));
        }
        sb.append(String.format(Locale.ROOT, " %9s%n", "settings"));
        r.frontier().forEach((policy, points) -> {
            sb.append(String.format(Locale.ROOT, "%-10s", policy));
            for (Matched m : matched(points, prices, null)) {
                sb.append(String.format(Locale.ROOT, " %14s", !m.reached() ? "not reached"
                        : (m.how().startsWith("upper bound") ? "<=" : "") + String.format(Locale.ROOT, "%.2f", m.cost())));
            }
            sb.append(String.format(Locale.ROOT, " %9d%n", points.size()));
        });
        return sb.toString();
    }
}
