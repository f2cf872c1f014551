package io.foresight.spark.forecast;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.when;

import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.forecast.TreeEnsembleForecaster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains the global gradient-boosted forecaster over all users and resources: VectorAssembler +
 * GBTRegressor in a Pipeline, on the point features of {@link FeatureJob}. The label is
 * {@code y - base} (see {@link TreeEnsembleForecaster#base}); missing features are
 * {@link TreeEnsembleForecaster#MISSING}. The last {@code validationFraction} of time is held
 * back for validation (a time split: no row of the future is trained on). Writes the Spark
 * PipelineModel ({@value #PIPELINE_DIR}) and the core JSON export ({@value #TREES_FILE}).
 */
public final class ForecastTrainingJob {
    public static final String PIPELINE_DIR = "gbt-pipeline";
    public static final String TREES_FILE = "gbt-trees.json";

    /** Training settings; {@code sampleFraction} < 1 subsamples training rows (seeded) for speed. */
    public record Config(int maxIter, int maxDepth, double stepSize, double sampleFraction,
                         double validationFraction, long seed) {
        public Config {
            if (maxIter <= 0 || maxDepth <= 0) {
                throw new IllegalArgumentException("maxIter and maxDepth must be positive");
            }
            if (sampleFraction <= 0 || sampleFraction > 1 || validationFraction < 0 || validationFraction >= 1) {
                throw new IllegalArgumentException("sampleFraction must be in (0,1], validationFraction in [0,1)");
            }
        }

        public static Config defaults(long seed) {
            return new Config(30, 5, 0.2, 1.0, 0.2, seed);
        }
    }

    /** What a run produced: validation metrics (on y, not the residual) and where the models are. */
    public record Result(Map<String, Double> metrics, Path pipelineDir, Path treesJson, long trainRows) {}

    private final Config config;

    public ForecastTrainingJob(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Adds {@code base}, {@code label} and NaN-free model inputs to FeatureJob point features. */
    public static Dataset<Row> modelInput(Dataset<Row> pointFeatures) {
        Column base = when(not(col("mean1h").isNaN()), col("mean1h"))
                .when(not(col("mean24h").isNaN()), col("mean24h")).otherwise(lit(0.0));
        Dataset<Row> d = pointFeatures.withColumn("base", base)
                .withColumn("label", col("y").minus(col("base")))
                .withColumn("resource_f", col("resource").cast("double"));
        for (String f : UserFeatures.POINT_NAMES) {
            d = d.withColumn(f, when(col(f).isNaN(), lit(TreeEnsembleForecaster.MISSING)).otherwise(col(f)));
        }
        return d;
    }

    /**
     * The point features with the calendar ones ({@link UserFeatures#CALENDAR_NAMES}) held at 0: trees trained on them
     * cannot split on the calendar, so the forecaster serving them ignores it (the {@code --calendar off} ablation).
     */
    public static Dataset<Row> withoutCalendar(Dataset<Row> pointFeatures) {
        Dataset<Row> d = pointFeatures;
        for (String f : UserFeatures.CALENDAR_NAMES) {
            d = d.withColumn(f, lit(0.0));
        }
        return d;
    }

    static String[] inputColumns() {
        String[] in = UserFeatures.POINT_NAMES.toArray(new String[0]);
        String[] out = java.util.Arrays.copyOf(in, in.length + 1);
        out[in.length] = "resource_f";
        return out;
    }

    public Pipeline pipeline() {
        VectorAssembler assembler = new VectorAssembler().setInputCols(inputColumns()).setOutputCol("features");
        GBTRegressor gbt = new GBTRegressor().setLabelCol("label").setFeaturesCol("features")
                .setMaxIter(config.maxIter()).setMaxDepth(config.maxDepth()).setStepSize(config.stepSize())
                .setSeed(config.seed());
        return new Pipeline().setStages(new PipelineStage[] {assembler, gbt});
    }

    /** Trains on point features (from {@link FeatureJob#pointFeatures}) and writes into {@code outDir}. */
    public Result run(Dataset<Row> pointFeatures, Path outDir) {
        Dataset<Row> input = modelInput(pointFeatures).cache();
        Row range = input.agg(min("ts"), max("ts")).first();
        long t0 = range.getLong(0);
        long t1 = range.getLong(1);
        long cutoff = t1 - (long) Math.floor((t1 - t0) * config.validationFraction());
        Dataset<Row> train = config.validationFraction() > 0 ? input.where(col("ts").lt(cutoff)) : input;
        Dataset<Row> valid = config.validationFraction() > 0 ? input.where(col("ts").geq(cutoff)) : input;
        if (config.sampleFraction() < 1) {
            train = train.sample(false, config.sampleFraction(), config.seed());
        }
        long trainRows = train.count();
        if (trainRows == 0) {
            throw new IllegalArgumentException("no training rows: the data spans too little time for a time split");
        }
        PipelineModel model = pipeline().fit(train);
        Path pipelineDir = outDir.resolve(PIPELINE_DIR);
        Path treesJson = outDir.resolve(TREES_FILE);
        TreeExport.write(model, export(model), pipelineDir, treesJson);
        Map<String, Double> metrics = new LinkedHashMap<>();
        Row m = model.transform(valid)
                .withColumn("yhat", greatest(lit(0.0), col("base").plus(col("prediction"))))
                .agg(avg(abs(col("yhat").minus(col("y")))), sqrt(avg(pow(col("yhat").minus(col("y")), 2))),
                        avg(abs(col("base").minus(col("y")))), count(lit(1)))
                .first();
        metrics.put("gbt_valid_mae", m.isNullAt(0) ? Double.NaN : m.getDouble(0));
        metrics.put("gbt_valid_rmse", m.isNullAt(1) ? Double.NaN : m.getDouble(1));
        metrics.put("base_valid_mae", m.isNullAt(2) ? Double.NaN : m.getDouble(2));
        metrics.put("gbt_valid_rows", (double) m.getLong(3));
        metrics.put("gbt_train_rows", (double) trainRows);
        input.unpersist();
        return new Result(metrics, pipelineDir, treesJson, trainRows);
    }

    public static TreeEnsemble export(PipelineModel model) {
        GBTRegressionModel gbt = (GBTRegressionModel) model.stages()[model.stages().length - 1];
        return TreeExport.toEnsemble(gbt, TreeEnsembleForecaster.FEATURES);
    }

    /** spark-submit entry: {@code ForecastTrainingJob <bitbrains.csv[,...]> <out-dir> [maxUsers] [sampleFraction]}. */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ForecastTrainingJob <bitbrains.csv[,more.csv]> <out-dir> [maxUsers] [sampleFraction]");
            System.exit(2);
        }
        Trace trace = BitbrainsReader.read(BitbrainsReader.paths(args[0]),
                args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE);
        Config d = Config.defaults(42);
        Config c = new Config(d.maxIter(), d.maxDepth(), d.stepSize(),
                args.length > 3 ? Double.parseDouble(args[3]) : 1.0, d.validationFraction(), d.seed());
        SparkSession spark = SparkSessions.getOrCreate("foresight-forecast-training");
        Dataset<Row> features = new FeatureJob(trace.stepSeconds(), List.of()).pointFeatures(TraceDatasets.usage(spark, trace));
        Result r = new ForecastTrainingJob(c).run(features, Path.of(args[1]));
        System.out.println(r.metrics());
        spark.stop();
    }
}
