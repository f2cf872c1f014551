package io.foresight.spark.eval;

import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.pattern.PatternJob;
import io.foresight.spark.pipeline.TrainingPipeline;
import io.foresight.spark.pipeline.TrainingRequest;
import io.foresight.spark.pipeline.TrainingResult;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.SparkSession;

/**
 * The evaluation run behind {@code foresight backtest}: trains the GBT on everything before the
 * hold-out, backtests every forecaster on the hold-out with rolling origins (core
 * {@link io.foresight.core.eval.Backtest}: MAE, RMSE, MASE vs seasonal naive, upper-bound
 * coverage), and scores the pattern classifiers on labelled synthetic users (accuracy, weighted
 * precision and recall).
 */
public final class BacktestJob {
    /** Forecaster table and classifier metrics. */
    public record Report(String forecasterTable, Map<String, Double> forecastMetrics,
                         Map<String, Double> classifierMetrics, Map<String, Double> patternStability,
                         Path modelDir) {
        public String format() {
            StringBuilder b = new StringBuilder("Forecasters (rolling-origin backtest on the hold-out):\n");
            b.append(forecasterTable);
            b.append("\nPattern classifiers (labelled synthetic users, 30% held out):\n");
            classifierMetrics.forEach((k, v) -> b.append(String.format("  %-28s %.4f%n", k, v)));
            b.append("\nPattern stability on the trace (KMeans + rules on weekly profiles):\n");
            patternStability.forEach((k, v) -> b.append(String.format("  %-28s %.4f%n", k, v)));
            return b.toString();
        }
    }

    private BacktestJob() {}

    public static Report run(SparkSession spark, Trace trace, TrainingRequest req) {
        Objects.requireNonNull(trace, "trace");
        TrainingResult r = TrainingPipeline.run(spark, trace, req);
        Map<String, Double> cls = new PatternJob(PatternJob.Config.defaults(req.seed()))
                .runSynthetic(spark, 20, 14, req.outputDir().resolve("patterns"));
        Map<String, Double> stability = new PatternJob(new PatternJob.Config(5, 30, 50, req.seed()))
                .weeklyStability(spark, trace.users().values());
        return new Report(r.backtestReport(), r.metrics(), cls, stability, r.modelDir());
    }

    public static Report run(TrainingRequest req) {
        Trace trace = BitbrainsReader.read(req.dataPaths(), req.maxUsers() == 0 ? Integer.MAX_VALUE : req.maxUsers());
        return run(SparkSessions.getOrCreate("foresight-backtest"), trace, req);
    }

    /** spark-submit entry: {@code BacktestJob <bitbrains.csv[,...]> <out-dir> [maxUsers]}. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: BacktestJob <bitbrains.csv[,more.csv]> <out-dir> [maxUsers]");
            System.exit(2);
        }
        TrainingRequest req = TrainingRequest.of(BitbrainsReader.paths(args[0]), Path.of(args[1]), 42)
                .withMaxUsers(args.length > 2 ? Integer.parseInt(args[2]) : 20);
        System.out.print(run(req).format());
    }
}
