package io.foresight.spark.bench;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.ConformalForecaster;
import io.foresight.core.forecast.DecomposableForecaster;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.SeasonalArForecaster;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import io.foresight.spark.forecast.ForecastTrainingJob;
import io.foresight.spark.need.NeedRegressionJob;
import io.foresight.spark.pattern.PatternJob;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Prints training time of each model family, scoring throughput of the core scorers and peak
 * memory, on the real dev traces (default: all of shared/data/bitbrains-rnd, 400 VMs x 2 months).
 * Spark GBT training uses the first {@code gbtUsers} VMs and a seeded {@code gbtSample} of their
 * rows, because the full 28 million (user, time, resource) rows would take hours on 2 cores; the
 * output says so. Args: {@code [data.csv[,..]] [gbtUsers=40] [gbtSample=0.25] [gbtIterations=20]}.
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {}

    public static void main(String[] args) throws Exception {
        String data = args.length > 0 ? args[0]
                : System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/bitbrains-rnd/2013-07.csv.gz," + System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/bitbrains-rnd/2013-08.csv.gz";
        int gbtUsers = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        double gbtSample = args.length > 2 ? Double.parseDouble(args[2]) : 0.25;
        int gbtIter = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Path out = Files.createTempDirectory("foresight-bench");
        Map<String, String> results = new LinkedHashMap<>();

        long t = System.nanoTime();
        Trace trace = BitbrainsReader.read(BitbrainsReader.paths(data));
        results.put("read trace (core BitbrainsReader)", String.format("%.1f s, %d users, %d intervals",
                secs(t), trace.users().size(), trace.intervals()));
        List<UserSeries> users = new ArrayList<>(trace.users().values());

        // Per-user families: "training" is the per-user fit done at forecast time.
        Map<String, Forecaster> core = new LinkedHashMap<>();
        core.put("seasonal naive", SeasonalNaiveForecaster.daily());
        core.put("seasonal AR(3) (fit+forecast)", SeasonalArForecaster.daily());
        core.put("decomposable (fit+forecast)", DecomposableForecaster.defaults(UserFeatures.NO_HOLIDAYS));
        core.put("seasonal AR + conformal(16)", ConformalForecaster.of(SeasonalArForecaster.daily()));
        for (var e : core.entrySet()) {
            results.put("core scorer: " + e.getKey() + ", 1 h ahead", throughput(e.getValue(), users, 12));
        }
        results.put("core scorer: decomposable, 1 day hourly (288 steps)",
                throughput(DecomposableForecaster.defaults(UserFeatures.NO_HOLIDAYS), users, 288));

        t = System.nanoTime();
        List<FeatureVector> weekly = new ArrayList<>();
        for (UserSeries s : users) {
            for (long w = s.timestamp(0); w + 7 * 86_400L <= s.timestamp(s.size() - 1); w += 7 * 86_400L) {
                weekly.add(UserFeatures.profile(s, w, w + 7 * 86_400L));
            }
        }
        results.put("core weekly profiles (all users)", String.format("%.2f s for %d profiles", secs(t), weekly.size()));

        SparkSession spark = SparkSessions.getOrCreate("foresight-benchmark");
        spark.sparkContext().setLogLevel("WARN");
        PatternJob pj = new PatternJob(PatternJob.Config.defaults(42));
        Dataset<Row> profiles = PatternJob.toDataset(spark, weekly, null).cache();
        profiles.count();
        t = System.nanoTime();
        pj.cluster(profiles);
        results.put("Spark KMeans(k=5)+scaler on weekly profiles", String.format("%.1f s (%d rows)", secs(t), weekly.size()));
        List<Pattern> pseudo = new ArrayList<>();
        for (FeatureVector v : weekly) {
            pseudo.add(io.foresight.core.features.PatternRules.name(v));
        }
        Dataset<Row> labelled = PatternJob.toDataset(spark, weekly, pseudo).cache();
        labelled.count();
        t = System.nanoTime();
        pj.trainForest(labelled);
        results.put("Spark RandomForest(30) on weekly profiles (rule labels)", String.format("%.1f s", secs(t)));
        t = System.nanoTime();
        pj.trainSvm(labelled);
        results.put("Spark OneVsRest(LinearSVC) on weekly profiles (rule labels)", String.format("%.1f s", secs(t)));

        Trace sub = trace.limitUsers(gbtUsers);
        t = System.nanoTime();
        Dataset<Row> pf = new FeatureJob(trace.stepSeconds(), List.of()).pointFeatures(TraceDatasets.usage(spark, sub)).cache();
        long rows = pf.count();
        results.put("Spark FeatureJob point features (" + sub.users().size() + " users)",
                String.format("%.1f s, %d rows", secs(t), rows));
        t = System.nanoTime();
        ForecastTrainingJob.Result gbt = new ForecastTrainingJob(new ForecastTrainingJob.Config(gbtIter, 5, 0.2, gbtSample, 0.2, 42))
                .run(pf, out.resolve("forecast"));
        results.put("Spark GBT forecaster (" + gbtIter + " iter, depth 5) on " + sub.users().size() + " users, "
                        + (int) (gbtSample * 100) + "% row sample (SUBSAMPLED: full data too slow on 2 cores)",
                String.format("%.1f s, %d training rows, valid MAE %.4f vs base %.4f", secs(t), gbt.trainRows(),
                        gbt.metrics().get("gbt_valid_mae"), gbt.metrics().get("base_valid_mae")));
        Forecaster trees = new TreeEnsembleForecaster(TreeEnsemble.load(gbt.treesJson()), UserFeatures.NO_HOLIDAYS, "bench");
        results.put("core scorer: exported GBT trees, 1 h ahead (recursive)", throughput(trees, users, 12));
        results.put("core scorer: exported GBT + conformal(16), 1 h ahead", throughput(ConformalForecaster.of(trees), users, 12));
        t = System.nanoTime();
        NeedRegressionJob.Result need = new NeedRegressionJob(trace.stepSeconds(),
                new NeedRegressionJob.Config(gbtIter, 0.2, 1.0, 42)).run(pf, out.resolve("need"));
        results.put("Spark need regression LR + GBT (" + sub.users().size() + " users, hourly rows)",
                String.format("%.1f s; CPU MAE lr %.3f gbt %.3f last-hour-peak %.3f; memory MAE lr %.3f gbt %.3f last-hour-peak %.3f",
                        secs(t), need.metrics().get("need_lr_cpu_mae"), need.metrics().get("need_gbt_cpu_mae"),
                        need.metrics().get("need_last_hour_peak_cpu_mae"), need.metrics().get("need_lr_memory_mae"),
                        need.metrics().get("need_gbt_memory_mae"), need.metrics().get("need_last_hour_peak_memory_mae")));
        spark.stop();

        long heapPeak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPeak += p.getPeakUsage().getUsed();
            }
        }
        results.put("peak heap (sum of pool peaks)", (heapPeak >> 20) + " MiB");
        results.put("peak RSS (VmHWM)", peakRss());
        results.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        System.out.println("== Foresight training benchmark (" + data + ") ==");
        results.forEach((k, v) -> System.out.printf("%-100s %s%n", k, v));
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** One forecast per user at the end of its history (warm-up on the first 20 users first). */
    static String throughput(Forecaster f, List<UserSeries> users, int horizon) {
        for (int i = 0; i < Math.min(20, users.size()); i++) {
            UserSeries s = users.get(i);
            f.forecast(s, s.size() - horizon, horizon);
        }
        long t = System.nanoTime();
        for (UserSeries s : users) {
            f.forecast(s, s.size() - horizon, horizon);
        }
        double sec = secs(t);
        return String.format("%.0f users/s (%d users in %.2f s)", users.size() / sec, users.size(), sec);
    }

    private static String peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return l.substring(6).trim();
                }
            }
        } catch (Exception e) {
            return "unavailable (" + e.getMessage() + ")";
        }
        return "unavailable";
    }
}
