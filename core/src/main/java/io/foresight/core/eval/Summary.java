package io.foresight.core.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation's outputs in text: {@code summary.json} (the contract other tools read) and the
 * terminal table. Contract: {"policies": {name: {"cost", "underprovisioned_fraction": {"cpu",
 * "memory"}, "slack": {"cpu", "memory"}, "changes_per_user_day"}}, "forecast": {"mae", "rmse",
 * "mase", "coverage"} (CPU, the primary resource; per resource under "by_resource"), "users",
 * "intervals"}; further fields add detail (network/disk, shortfall, cost per resource, parameters).
 */
public final class Summary {
    private Summary() {}

    private static String key(Resource r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    static Object num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    public static Map<String, Object> toMap(EvaluationResult res, PriceBook prices) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> pols = new LinkedHashMap<>();
        res.policies().forEach((name, m) -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("cost", m.cost(prices));
            Map<String, Object> under = new LinkedHashMap<>();
            Map<String, Object> slack = new LinkedHashMap<>();
            Map<String, Object> shortfall = new LinkedHashMap<>();
            Map<String, Object> cost = new LinkedHashMap<>();
            Map<String, Object> hours = new LinkedHashMap<>();
            for (Resource r : Resource.values()) {
                under.put(key(r), num(m.underprovisionedFraction(r)));
                slack.put(key(r), num(m.slack(r)));
                shortfall.put(key(r), num(m.meanShortfall(r)));
                cost.put(key(r), m.cost(r, prices));
                hours.put(key(r), m.allocatedHours(r));
            }
            p.put("underprovisioned_fraction", under);
            p.put("slack", slack);
            p.put("changes_per_user_day", m.changesPerUserDay());
            Map<String, Object> peaks = new LinkedHashMap<>();
            for (Resource r : Evaluator.PEAK_RESOURCES) {
                peaks.put(key(r), num(m.peakCoverage(r)));
            }
            p.put("peak_coverage", peaks);
            p.put("mean_shortfall", shortfall);
            p.put("cost_by_resource", cost);
            p.put("allocated_resource_hours", hours);
            p.put("parameters", res.parameters().get(name));
            pols.put(name, p);
        });
        root.put("policies", pols);
        ForecastMetrics f = res.forecast();
        Map<String, Object> fc = new LinkedHashMap<>();
        if (f != null) {
            fc.put("policy", res.forecastPolicy());
            fc.put("resource", "cpu");
            fc.put("mae", num(f.mae(Resource.CPU)));
            fc.put("rmse", num(f.rmse(Resource.CPU)));
            fc.put("mase", num(f.mase(Resource.CPU)));
            fc.put("coverage", num(f.coverage(Resource.CPU)));
            Map<String, Object> by = new LinkedHashMap<>();
            for (Resource r : Resource.values()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("mae", num(f.mae(r)));
                e.put("rmse", num(f.rmse(r)));
                e.put("mase", num(f.mase(r)));
                e.put("coverage", num(f.coverage(r)));
                e.put("unit", r.unit());
                by.put(key(r), e);
            }
            fc.put("by_resource", by);
        } else {
            fc.put("mae", null);
            fc.put("rmse", null);
            fc.put("mase", null);
            fc.put("coverage", null);
        }
        root.put("forecast", fc);
        root.put("users", res.users());
        root.put("intervals", res.intervals());
        root.put("step_seconds", res.stepSeconds());
        root.put("warmup_steps", res.warmupSteps());
        root.put("runtime_seconds", res.seconds());
        root.put("cost_unit", "USD on-demand (PriceBook.DEFAULT) over the scored intervals");
        return root;
    }

    /** The headline numbers of one policy's run: cost, under-provisioned fraction per resource, changes per user-day. */
    public static Map<String, Object> headline(PolicyMetrics m, PriceBook prices) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("cost", m.cost(prices));
        Map<String, Object> under = new LinkedHashMap<>();
        for (Resource r : Resource.values()) {
            under.put(key(r), num(m.underprovisionedFraction(r)));
        }
        p.put("underprovisioned_fraction", under);
        p.put("changes_per_user_day", m.changesPerUserDay());
        return p;
    }

    /** One policy's numbers at one provisioning lead: cost, under-provisioning per resource, daily-peak coverage, churn. */
    public static Map<String, Object> leadTimeEntry(PolicyMetrics m, PriceBook prices) {
        Map<String, Object> p = headline(m, prices);
        Map<String, Object> peaks = new LinkedHashMap<>();
        for (Resource r : Evaluator.PEAK_RESOURCES) {
            peaks.put(key(r), num(m.peakCoverage(r)));
        }
        p.put("peak_coverage", peaks);
        return p;
    }

    /** The terminal table of {@code lead_time}: per policy and lead, cost, CPU under-provisioning and peak coverage. */
    public static String leadTimeTable(Map<?, ?> byPolicy) {
        StringBuilder sb = new StringBuilder("provisioning lead (steps from the data a decision uses to the interval it serves)\n");
        sb.append(String.format(Locale.ROOT, "%-10s %5s %11s %9s %9s %8s%n", "policy", "lead", "cost USD", "under cpu",
                "under mem", "peak cpu"));
        byPolicy.forEach((name, leads) -> ((Map<?, ?>) leads).forEach((lead, v) -> {
            Map<?, ?> e = (Map<?, ?>) v;
            Map<?, ?> under = (Map<?, ?>) e.get("underprovisioned_fraction");
            Map<?, ?> peaks = (Map<?, ?>) e.get("peak_coverage");
            sb.append(String.format(Locale.ROOT, "%-10s %5s %11.2f %8.2f%% %8.2f%% %7.1f%%%n", name, lead,
                    ((Number) e.get("cost")).doubleValue(), pct(under.get("cpu")), pct(under.get("memory")), pct(peaks.get("cpu"))));
        }));
        return sb.toString();
    }

    private static double pct(Object v) {
        return v instanceof Number n ? 100 * n.doubleValue() : Double.NaN;
    }

    /** As {@link #writeJson(EvaluationResult, PriceBook, Path)} with further top-level sections (e.g. ablations). */
    public static void writeJson(EvaluationResult res, PriceBook prices, Path file, Map<String, Object> extra) {
        try {
            Map<String, Object> root = toMap(res, prices);
            root.putAll(extra);
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(file.toAbsolutePath().getParent());
            om.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static void writeJson(EvaluationResult res, PriceBook prices, Path file) {
        try {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(file.toAbsolutePath().getParent());
            om.writeValue(file.toFile(), toMap(res, prices));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A fixed-width table: one row per policy. */
    public static String table(EvaluationResult res, PriceBook prices) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %11s %9s %9s %8s %8s %8s %8s %9s %9s %9s %8s%n",
                "policy", "cost USD", "under cpu", "under mem", "short cpu", "shortmem", "slackcpu", "slackmem",
                "under net", "under dsk", "chg/u/day", "peak cpu"));
        res.policies().forEach((name, m) -> sb.append(String.format(Locale.ROOT,
                "%-10s %11.2f %8.2f%% %8.2f%% %8.1f%% %7.1f%% %7.1f%% %7.1f%% %8.2f%% %8.2f%% %9.2f %7.1f%%%n",
                name, m.cost(prices),
                100 * m.underprovisionedFraction(Resource.CPU), 100 * m.underprovisionedFraction(Resource.MEMORY),
                100 * m.meanShortfall(Resource.CPU), 100 * m.meanShortfall(Resource.MEMORY),
                100 * m.slack(Resource.CPU), 100 * m.slack(Resource.MEMORY),
                100 * m.underprovisionedFraction(Resource.NETWORK), 100 * m.underprovisionedFraction(Resource.DISK),
                m.changesPerUserDay(), 100 * m.peakCoverage(Resource.CPU))));
        sb.append("peak cpu: mean over users of the share of their daily-peak CPU intervals (top 1% of each day) covered\n");
        ForecastMetrics f = res.forecast();
        if (f != null) {
            for (Resource r : new Resource[] {Resource.CPU, Resource.MEMORY}) {
                sb.append(String.format(Locale.ROOT, "forecast (%s, %s): MAE %.4f %s, RMSE %.4f, MASE %.3f, upper-bound coverage %.2f%%%n",
                        res.forecastPolicy(), key(r), f.mae(r), r.unit(), f.rmse(r), f.mase(r), 100 * f.coverage(r)));
            }
        }
        sb.append(String.format(Locale.ROOT, "%d users, %d test user-intervals of %d s, warm-up up to %d steps, %.1f s%n",
                res.users(), res.intervals(), res.stepSeconds(), res.warmupSteps(), res.seconds()));
        return sb.toString();
    }
}
