package io.foresight.spark.need;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.when;

import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Resource-need regression: the peak CPU and memory of a user's next hour, predicted at each full
 * hour from the point features of {@link FeatureJob} (history before the hour only), with a
 * LinearRegression (elastic net, standardised inputs) and a GBTRegressor. Only hours whose 12
 * intervals are all observed are used. Time split: the last {@code validationFraction} of time is
 * held back; RMSE and MAE are measured there against the peak actually used, next to the naive
 * "peak of the previous hour" baseline. Models are saved under {@code outDir}/need-lr and need-gbt.
 */
public final class NeedRegressionJob {
    /** Resources predicted: CPU (0) and memory (1). */
    public static final int[] RESOURCES = {0, 1};
    public static final int WINDOW_STEPS = 12;

    public record Config(int gbtIterations, double validationFraction, double sampleFraction, long seed) {
        public Config {
            if (gbtIterations <= 0 || validationFraction <= 0 || validationFraction >= 1
                    || sampleFraction <= 0 || sampleFraction > 1) {
                throw new IllegalArgumentException("gbtIterations > 0, validationFraction in (0,1), sampleFraction in (0,1]");
            }
        }

        public static Config defaults(long seed) {
            return new Config(20, 0.2, 1.0, seed);
        }
    }

    /** Metrics, saved model directories and the fitted models. */
    public record Result(Map<String, Double> metrics, Path linearModel, Path gbtModel,
                         PipelineModel linear, PipelineModel gbt) {}

    private final int stepSeconds;
    private final Config config;

    public NeedRegressionJob(int stepSeconds, Config config) {
        this.stepSeconds = stepSeconds;
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Hourly rows of CPU and memory with label = peak of the next hour. */
    public Dataset<Row> examples(Dataset<Row> pointFeatures) {
        var next = Window.partitionBy("user", "resource").orderBy("ts")
                .rangeBetween(0, (long) (WINDOW_STEPS - 1) * stepSeconds);
        Dataset<Row> d = pointFeatures.where(col("resource").isin(0, 1))
                .withColumn("label", max("y").over(next))
                .withColumn("observed", count("y").over(next))
                .where(col("observed").equalTo(WINDOW_STEPS).and(col("ts").mod(3600).equalTo(0)))
                .withColumn("resource_f", col("resource").cast("double"));
        for (String f : UserFeatures.POINT_NAMES) {
            d = d.withColumn(f, when(col(f).isNaN(), lit(TreeEnsembleForecaster.MISSING)).otherwise(col(f)));
        }
        return d;
    }

    private static String[] inputs() {
        String[] in = UserFeatures.POINT_NAMES.toArray(new String[0]);
        String[] out = Arrays.copyOf(in, in.length + 1);
        out[in.length] = "resource_f";
        return out;
    }

    public Pipeline linear() {
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(inputs()).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true).setWithStd(true),
            new LinearRegression().setLabelCol("label").setFeaturesCol("features")
                    .setElasticNetParam(0.5).setRegParam(0.01).setMaxIter(100)});
    }

    public Pipeline gbt() {
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(inputs()).setOutputCol("features"),
            new GBTRegressor().setLabelCol("label").setFeaturesCol("features")
                    .setMaxIter(config.gbtIterations()).setMaxDepth(5).setSeed(config.seed())});
    }

    public Result run(Dataset<Row> pointFeatures, Path outDir) {
        Dataset<Row> ex = examples(pointFeatures).cache();
        Row range = ex.agg(min("ts"), max("ts")).first();
        if (range.isNullAt(0)) {
            throw new IllegalArgumentException("no complete hour of CPU/memory usage to learn from");
        }
        long cutoff = range.getLong(1) - (long) Math.floor((range.getLong(1) - range.getLong(0)) * config.validationFraction());
        Dataset<Row> train = ex.where(col("ts").lt(cutoff));
        if (config.sampleFraction() < 1) {
            train = train.sample(false, config.sampleFraction(), config.seed());
        }
        Dataset<Row> valid = ex.where(col("ts").geq(cutoff));
        PipelineModel lr = linear().fit(train);
        PipelineModel gb = gbt().fit(train);
        Map<String, Double> m = new LinkedHashMap<>();
        score(m, "lr", lr.transform(valid), col("prediction"));
        score(m, "gbt", gb.transform(valid), col("prediction"));
        score(m, "last_hour_peak", valid, col("max1h"));
        Path lrDir = outDir.resolve("need-lr");
        Path gbDir = outDir.resolve("need-gbt");
        try {
            lr.write().overwrite().save(lrDir.toString());
            gb.write().overwrite().save(gbDir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save need models to " + outDir, e);
        }
        ex.unpersist();
        return new Result(m, lrDir, gbDir, lr, gb);
    }

    private static void score(Map<String, Double> m, String model, Dataset<Row> d, org.apache.spark.sql.Column pred) {
        List<Row> rows = d.withColumn("e", pred.minus(col("label")))
                .groupBy("resource").agg(sqrt(avg(pow(col("e"), 2))), avg(abs(col("e"))), count(lit(1)))
                .collectAsList();
        for (Row r : rows) {
            String res = r.getInt(0) == 0 ? "cpu" : "memory";
            m.put("need_" + model + "_" + res + "_rmse", r.getDouble(1));
            m.put("need_" + model + "_" + res + "_mae", r.getDouble(2));
            m.put("need_valid_rows_" + res, (double) r.getLong(3));
        }
    }

    /** spark-submit entry: {@code NeedRegressionJob <bitbrains.csv[,...]> <out-dir> [maxUsers] [sampleFraction]}. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: NeedRegressionJob <bitbrains.csv[,more.csv]> <out-dir> [maxUsers] [sampleFraction]");
            System.exit(2);
        }
        Trace t = BitbrainsReader.read(BitbrainsReader.paths(args[0]), args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE);
        Config d = Config.defaults(42);
        Config c = new Config(d.gbtIterations(), d.validationFraction(), args.length > 3 ? Double.parseDouble(args[3]) : 1.0, d.seed());
        SparkSession spark = SparkSessions.getOrCreate("foresight-need-regression");
        Dataset<Row> f = new FeatureJob(t.stepSeconds(), List.of()).pointFeatures(TraceDatasets.usage(spark, t));
        new NeedRegressionJob(t.stepSeconds(), c).run(f, Path.of(args[1])).metrics()
                .forEach((k, v) -> System.out.printf("%-36s %.5f%n", k, v));
        spark.stop();
    }
}
