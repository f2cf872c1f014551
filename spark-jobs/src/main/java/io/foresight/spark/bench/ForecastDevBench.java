package io.foresight.spark.bench;

import io.foresight.core.eval.Backtest;
import io.foresight.core.eval.BacktestPoints;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.eval.TrainingWindow;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.trace.AzureReader;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.forecast.M5GbtTrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forecaster families that need no pattern classifiers or old GBT, on one dev trace: what issue 15 measures
 * ({@code foresight backtest} trains the old GBT and the pattern classifiers too, which does not fit a loaded
 * 2-core machine at 30+ VMs). Trains gbt-m5 on Spark on the data before the holdout (subsampled by its config),
 * backtests with the gate's protocol ({@link Backtest.Config#rolling}), prints the table and the per-step
 * coverage, and optionally writes the points for {@code bench/peers/peers.py}.
 *
 * <pre>
 * java -cp "app/target/foresight-app.jar:app/target/lib/*" io.foresight.spark.bench.ForecastDevBench \
 *   --data ../shared/data/bitbrains-rnd/2013-07.csv.gz --users 30 [--days 14] [--export DIR]
 *   [--families recent-median,ets,gbt-m5] [--m5-trees gbt-m5-trees.json] [--score-users N] [--m5 maxIter,maxDepth,originStride,stepsPerOrigin[,absolute|squared]]
 * </pre>
 */
public final class ForecastDevBench {
    private ForecastDevBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        if (!a.containsKey("data")) {
            System.err.println("usage: ForecastDevBench --data FILE [--users N] [--days D] [--holdout-days 2] [--stride 36]"
                    + " [--export DIR] [--families f1,f2] [--m5-trees FILE] [--score-users N] [--m5 iter,depth,originStride,stepsPerOrigin[,loss]] [--seed 42]");
            System.exit(2);
        }
        Path data = Path.of(a.get("data"));
        int users = Integer.parseInt(a.getOrDefault("users", "30"));
        int holdoutDays = Integer.parseInt(a.getOrDefault("holdout-days", "2"));
        int stride = Integer.parseInt(a.getOrDefault("stride", "36"));
        long seed = Long.parseLong(a.getOrDefault("seed", "42"));
        List<String> families = List.of(a.getOrDefault("families", "recent-median,ets,gbt-m5").split(","));
        int horizon = ModelFamilies.HORIZON;

        Trace trace = AzureReader.looksLike(data) ? AzureReader.read(List.of(data), users)
                : BitbrainsReader.read(List.of(data), users);
        if (a.containsKey("days")) {
            trace = TrainingWindow.before(trace, TrainingWindow.start(trace) + Long.parseLong(a.get("days")) * 86_400L);
        }
        long evalFrom = TrainingWindow.end(trace) - holdoutDays * 86_400L;
        Backtest.Config config = new Backtest.Config(horizon, stride, evalFrom, Backtest.Config.rolling(horizon, evalFrom).minHistory());
        Trace train = TrainingWindow.before(trace, evalFrom);
        System.out.printf("%s: %d users, holdout %d days from %d, stride %d%n", data, trace.users().size(), holdoutDays, evalFrom, stride);
        if (a.containsKey("export")) {
            long n = BacktestPoints.write(trace.users().values(), config, Path.of(a.get("export")));
            System.out.println(n + " origins written to " + a.get("export"));
        }
        TreeEnsemble m5 = a.containsKey("m5-trees") ? TreeEnsemble.load(Path.of(a.get("m5-trees"))) : null;
        if (m5 == null && families.stream().anyMatch(ModelFamilies::needsM5Trees)) {
            M5GbtTrainingJob.Config c = M5GbtTrainingJob.Config.defaults(seed);
            if (a.containsKey("m5")) {
                String[] p = a.get("m5").split(",");
                c = new M5GbtTrainingJob.Config(Integer.parseInt(p[0]), Integer.parseInt(p[1]), c.stepSize(),
                        Integer.parseInt(p[2]), Integer.parseInt(p[3]), c.horizon(), seed, p.length > 4 ? p[4] : c.lossType());
            }
            Path dir = Files.createTempDirectory("forecast-dev-bench");
            M5GbtTrainingJob.Result r = new M5GbtTrainingJob(c).run(SparkSessions.getOrCreate("forecast-dev-bench"), train, dir);
            System.out.println("gbt-m5 " + c + ": " + r.metrics());
            m5 = TreeEnsemble.load(r.treesJson());
        }
        List<Forecaster> fs = new ArrayList<>();
        for (String f : families) {
            fs.add(ModelFamilies.build(f.trim(), train, "dev", m5, null));
        }
        long t0 = System.nanoTime();
        // --score-users N: score the first N users only (the peers' --max-users), the models fitted on all of them
        Map<String, Backtest.Score> scores = Backtest.run(a.containsKey("score-users")
                ? trace.limitUsers(Integer.parseInt(a.get("score-users"))).users().values() : trace.users().values(), fs, config);
        System.out.printf("backtest %.0f s%n", (System.nanoTime() - t0) / 1e9);
        System.out.print(Backtest.format(scores));
        System.out.print(Backtest.formatCoverage(scores, ModelFamilies.QUANTILE));
    }
}
