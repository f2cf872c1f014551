package io.foresight.spark.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.foresight.core.eval.Backtest;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.eval.PromotionRule;
import io.foresight.core.eval.TrainingWindow;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import io.foresight.spark.forecast.ForecastTrainingJob;
import io.foresight.spark.forecast.M5GbtTrainingJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The entry point the retraining workflow calls: read traces, build features, train the global
 * GBT forecaster on everything before the hold-out, export it for the core scorer, backtest the
 * core forecasters on the hold-out and write metrics, schema and a forecast-vs-actual plot into
 * {@code outputDir}. Plain Java: no Spark type crosses this API.
 */
public final class TrainingPipeline {
    public static final String METRICS_FILE = "metrics.json";
    public static final String SCHEMA_FILE = "feature-schema.json";
    public static final String PLOT_FILE = "forecast-vs-actual.png";
    /** Relative improvement over the champion the promotion gate asks for (also the retraining default). */
    public static final double DEFAULT_GATE_MARGIN = 0.02;

    private TrainingPipeline() {}

    public static TrainingResult run(TrainingRequest req) {
        Objects.requireNonNull(req, "request");
        Trace trace = BitbrainsReader.read(req.dataPaths(), req.maxUsers() == 0 ? Integer.MAX_VALUE : req.maxUsers());
        SparkSession spark = SparkSessions.getOrCreate("foresight-training");
        return run(spark, trace, req);
    }

    /** Same, on an already-read trace and a caller-owned session (tests, the benchmark). */
    public static TrainingResult run(SparkSession spark, Trace trace, TrainingRequest req) {
        if (trace.users().isEmpty()) {
            throw new IllegalArgumentException("the trace has no users: check the data paths " + req.dataPaths());
        }
        long end = Long.MIN_VALUE;
        for (UserSeries s : trace.users().values()) {
            end = Math.max(end, s.timestamp(s.size() - 1) + s.stepSeconds());
        }
        long evalFrom = end - req.holdoutDays() * 86_400L;
        Path dir = req.outputDir();
        Map<String, Double> metrics = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Dataset<Row> usage = TraceDatasets.usage(spark, trace).where("ts < " + evalFrom);
        Dataset<Row> features = new FeatureJob(trace.stepSeconds(), List.of()).pointFeatures(usage);
        if (!req.calendar()) {
            features = ForecastTrainingJob.withoutCalendar(features);
        }
        ForecastTrainingJob.Config d = ForecastTrainingJob.Config.defaults(req.seed());
        ForecastTrainingJob.Result gbt = new ForecastTrainingJob(new ForecastTrainingJob.Config(req.gbtIterations(),
                d.maxDepth(), d.stepSize(), req.sampleFraction(), d.validationFraction(), req.seed())).run(features, dir);
        metrics.putAll(gbt.metrics());
        metrics.put("gbt_train_seconds", (System.nanoTime() - t0) / 1e9);

        TreeEnsemble trees = TreeEnsemble.load(gbt.treesJson());
        Trace train = TrainingWindow.before(trace, evalFrom);
        M5GbtTrainingJob.Result m5 = new M5GbtTrainingJob(M5GbtTrainingJob.Config.defaults(req.seed()).withCalendar(req.calendar())).run(spark, train, dir);
        metrics.putAll(m5.metrics());
        String version = dir.getFileName().toString();
        Map<String, Forecaster> named = ModelFamilies.all(train, version, trees, TreeEnsemble.load(m5.treesJson()));
        t0 = System.nanoTime();
        Map<String, Backtest.Score> scores = Backtest.run(trace.users().values(), List.copyOf(named.values()),
                new Backtest.Config(req.horizon(), req.stride(), evalFrom, Backtest.Config.rolling(req.horizon(), evalFrom).minHistory()));
        metrics.put("backtest_seconds", (System.nanoTime() - t0) / 1e9);
        Map<String, String> keys = new LinkedHashMap<>();
        named.forEach((k, f) -> keys.put(f.name(), k.replace('-', '_')));
        putScores(metrics, scores, keys);
        StringBuilder gates = new StringBuilder("\nPromotion gate of each family against the blend baseline and last value:\n");
        PromotionRule rule = new PromotionRule(DEFAULT_GATE_MARGIN);
        String blendName = named.get(ModelFamilies.BLEND).name();
        named.forEach((family, f) -> {
            GateVerdict v = rule.decide(scores, f.name(), family.equals(ModelFamilies.BLEND) ? null : blendName);
            gates.append(String.format("  %-20s %s%n", family, v.reason()));
            ModelArtifacts.save(dir.resolve("models").resolve(family), family, version, f, TrainingWindow.start(train),
                    evalFrom, Map.of("gbtIterations", Integer.toString(req.gbtIterations()),
                            "sampleFraction", Double.toString(req.sampleFraction()), "seed", Long.toString(req.seed())),
                    Backtest.metrics(scores, f.name(), ""), v);
        });
        Forecaster gbtCore = named.get(ModelFamilies.GBT);

        Path schema = dir.resolve(SCHEMA_FILE);
        Path png = dir.resolve(PLOT_FILE);
        try {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(dir);
            json.writeValue(schema.toFile(), Map.of("features", TreeEnsembleForecaster.FEATURES,
                    "missing", TreeEnsembleForecaster.MISSING, "label", "y - base (mean1h, else mean24h, else 0)",
                    "stepSeconds", trace.stepSeconds()));
            json.writeValue(dir.resolve(METRICS_FILE).toFile(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + dir, e);
        }
        plot(busiest(trace), gbtCore, evalFrom, req.horizon(), png);
        return new TrainingResult(metrics, dir, gbt.treesJson(), schema, png, TreeEnsembleForecaster.FEATURES,
                Backtest.format(scores) + "\n" + Backtest.formatCoverage(scores, ModelFamilies.QUANTILE) + gates);
    }

    /** Every scored forecaster's metrics under its key ({@code <key>_<resource>_<metric>}, yardsticks included). */
    static void putScores(Map<String, Double> metrics, Map<String, Backtest.Score> scores, Map<String, String> keys) {
        Map<String, String> all = new LinkedHashMap<>(keys);
        all.putIfAbsent(Backtest.SEASONAL_NAIVE, "seasonal_naive");
        all.putIfAbsent(Backtest.LAST_VALUE, "last_value");
        scores.values().stream().map(Backtest.Score::forecaster).distinct().forEach(name -> metrics.putAll(
                Backtest.metrics(scores, name, all.getOrDefault(name, name.replaceAll("[^A-Za-z0-9]+", "_")) + "_")));
    }

    /** The user with the highest mean CPU: the most informative plot (many users are near idle). */
    static UserSeries busiest(Trace trace) {
        UserSeries best = null;
        double bestMean = -1;
        for (UserSeries s : trace.users().values()) {
            double sum = 0;
            int n = 0;
            for (double v : s.usageColumn(Resource.CPU)) {
                if (!Double.isNaN(v)) {
                    sum += v;
                    n++;
                }
            }
            double mean = n == 0 ? 0 : sum / n;
            if (mean > bestMean) {
                bestMean = mean;
                best = s;
            }
        }
        return best;
    }

    /** CPU of one user over the first two hold-out days: one-hour forecasts laid end to end. */
    static void plot(UserSeries s, Forecaster f, long evalFrom, int horizon, Path png) {
        int from = (int) Math.max(UserFeatures.STEPS_PER_DAY + horizon,
                Math.min(s.size(), (evalFrom - s.timestamp(0)) / s.stepSeconds()));
        int to = Math.min(s.size(), from + 2 * UserFeatures.STEPS_PER_DAY);
        int n = Math.max(0, to - from);
        double[] actual = new double[n], point = new double[n], upper = new double[n];
        for (int o = from; o < to; o += horizon) {
            Forecast fc = f.forecast(s, o, horizon);
            for (int h = 0; h < horizon && o + h < to; h++) {
                actual[o + h - from] = s.usage(Resource.CPU, o + h);
                point[o + h - from] = fc.point(Resource.CPU, h);
                upper[o + h - from] = fc.upper(Resource.CPU, h);
            }
        }
        io.foresight.core.eval.ForecastPlot.write(png, "CPU cores of " + s.user() + ": " + f.name(), actual, point, upper);
    }

    /** spark-submit entry: {@code TrainingPipeline <bitbrains.csv[,...]> <out-dir> [maxUsers] [sampleFraction]}. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: TrainingPipeline <bitbrains.csv[,more.csv]> <out-dir> [maxUsers] [sampleFraction]");
            System.exit(2);
        }
        TrainingRequest req = TrainingRequest.of(BitbrainsReader.paths(args[0]), Path.of(args[1]), 42)
                .withMaxUsers(args.length > 2 ? Integer.parseInt(args[2]) : 0)
                .withSampleFraction(args.length > 3 ? Double.parseDouble(args[3]) : 1.0);
        TrainingResult r = run(req);
        r.metrics().forEach((k, v) -> System.out.printf("%-40s %.6f%n", k, v));
        System.out.print(r.backtestReport());
        System.out.println("model: " + r.modelDir());
    }
}
