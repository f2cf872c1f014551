package io.foresight.core.eval;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tunes Foresight's settings on the training month only: every user's July series is split at
 * {@code splitDays}; the first part trains, the rest is replayed. The test month is never read.
 * Prints one line per setting next to vpa and autopilot on the same split.
 * Usage: EvaluationTuning TRAIN_CSV [splitDays] [quantiles] [headrooms] [holds] [leads]
 */
public final class EvaluationTuning {
    private EvaluationTuning() {}

    public static void main(String[] args) {
        Trace month = BitbrainsReader.read(BitbrainsReader.paths(args[0]));
        int splitDays = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        double[] qs = parse(args.length > 2 ? args[2] : "0.95,0.98,0.99");
        double[] mqs = parse(args.length > 8 ? args[8] : "-1"); // memory quantiles; -1 = same as cpu
        double[] mholds = parse(args.length > 9 ? args[9] : "0"); // memory peak-hold steps
        double[] experts = parse(args.length > 10 ? args[10] : String.valueOf(io.foresight.core.forecast.BlendForecaster.DEFAULT_EXPERT_ALPHA));
        double[] heads = parse(args.length > 3 ? args[3] : "0.05,0.15");
        double[] holds = parse(args.length > 4 ? args[4] : "12");
        double[] leads = parse(args.length > 5 ? args[5] : "1");
        double[] alphas = parse(args.length > 6 ? args[6] : String.valueOf(io.foresight.core.forecast.BlendForecaster.DEFAULT_SCALE_ALPHA));
        boolean baselinesToo = args.length <= 7 || Boolean.parseBoolean(args[7]);
        Trace[] split = split(month, splitDays);
        PriceBook prices = PriceBook.DEFAULT;
        Evaluator.Config cfg = new Evaluator.Config(2, 8, 0, prices, null, 0);
        var baselines = Policies.create(List.of("vpa", "autopilot", "oracle"), split[0]);
        if (baselinesToo) {
            EvaluationResult base = new Evaluator(baselines, cfg).run(split[0], split[1]);
            base.policies().forEach((n, m) -> line(n, m, prices));
        }
        for (double q : qs) {
            for (double h : heads) {
                for (double hold : holds) {
                    for (double lead : leads) {
                      for (double alpha : alphas) {
                       for (double mq0 : mqs) {
                        for (double mh : mholds) {
                         for (double ex : experts) {
                        double mq = mq0 < 0 ? q : mq0;
                        int l = (int) lead;
                        var s = new Policies.ForesightSettings(new double[] {q, mq, q, q}, alpha, ex, new int[] {0, (int) mh, 0, 0}, new PlannerConfig(new int[] {l, l, l, l}, h, (int) hold,
                                0.05, Policies.ForesightSettings.defaults().planner().minimum(), Policies.ForesightSettings.LEVEL_RATIO));
                        EvaluationResult r = Policies.evaluator(List.of("foresight"), split[0], s, PolicyGate.PERMISSIVE, prices,
                                io.foresight.core.engine.ApprovalModel.NOW, cfg).run(split[0], split[1]);
                        line(String.format(Locale.ROOT, "foresight q=%.3f/%.3f head=%.2f hold=%d lead=%d a=%.2f mpk=%d ex=%.3f", q, mq, h, (int) hold, l, alpha, (int) mh, ex),
                                r.policies().get("foresight"), prices);
                         }
                        }
                       }
                      }
                    }
                }
            }
        }
    }

    private static void line(String name, PolicyMetrics m, PriceBook prices) {
        System.out.printf(Locale.ROOT, "%-44s cost %9.2f (mem %8.2f)  under cpu %5.2f%% mem %5.3f%%  slack cpu %5.1f%% mem %5.1f%%  chg/day %6.1f%n",
                name, m.cost(Resource.CPU, prices) + m.cost(Resource.MEMORY, prices), m.cost(Resource.MEMORY, prices),
                100 * m.underprovisionedFraction(Resource.CPU), 100 * m.underprovisionedFraction(Resource.MEMORY),
                100 * m.slack(Resource.CPU), 100 * m.slack(Resource.MEMORY), m.changesPerUserDay());
    }

    private static double[] parse(String s) {
        return java.util.Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** Each user's series cut at {@code days} after its first interval: [train, test]. */
    static Trace[] split(Trace t, int days) {
        Map<String, UserSeries> a = new LinkedHashMap<>();
        Map<String, UserSeries> b = new LinkedHashMap<>();
        int cut = days * 86400 / t.stepSeconds();
        for (UserSeries s : t.users().values()) {
            if (s.size() <= cut + 1) {
                continue;
            }
            a.put(s.user(), s.slice(0, cut));
            b.put(s.user(), s.slice(cut, s.size()));
        }
        return new Trace[] {new Trace(t.stepSeconds(), a, t.report()), new Trace(t.stepSeconds(), b, t.report())};
    }
}
