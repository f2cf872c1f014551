package io.foresight.spark.training;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.trace.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionTrainingSummary;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A small real MLlib job that makes the retraining workflow run end to end: lag features of the Bitbrains
 * CPU series, a {@link LinearRegression} pipeline fitted on the first 80% of the time range and backtested
 * (MAE) on the last 20%, next to the seasonal naive baseline on the same rows. The feature table is written
 * once per idempotency key and reused on retry.
 */
public final class LagRegressionJob {
    static final double TRAIN_FRACTION = 0.8;
    static final String TABLE = "table";
    static final String META = "meta.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LagRegressionJob() {}

    /** A written feature table: the split between training and holdout is part of it. */
    public record FeatureTable(Path dir, long rows, long splitTs, String schemaHash, String backtestId) {
        public String tablePath() {
            return dir.resolve(TABLE).toString();
        }
    }

    /** Extracts features into {@code dir} unless a complete table is there already; splits at 80 % of the time range. */
    public static FeatureTable writeFeatures(SparkSession spark, List<Path> files, int maxUsers, Path dir) {
        if (Files.exists(dir.resolve(META))) {
            return readTable(dir);
        }
        return write(LagFeatures.extract(spark, files, maxUsers), -1, files + "|" + maxUsers, dir);
    }

    /**
     * The features of {@code trace} into {@code dir} (unless complete there already), split at {@code splitTs}:
     * rows at or before it train, later rows are the holdout.
     */
    public static FeatureTable writeFeatures(SparkSession spark, Trace trace, long splitTs, String dataId, Path dir) {
        if (Files.exists(dir.resolve(META))) {
            return readTable(dir);
        }
        return write(spark.createDataFrame(LagFeatures.rows(trace), LagFeatures.SCHEMA), splitTs, dataId, dir);
    }

    /** {@code split} < 0: at 80 % of the time range. */
    private static FeatureTable write(Dataset<Row> features, long split, String dataId, Path dir) {
        Path meta = dir.resolve(META);
        Dataset<Row> df = features.cache();
        try {
            long rows = df.count();
            long splitTs = Math.max(0, split);
            if (rows > 0 && split < 0) {
                Row r = df.agg(min("ts"), max("ts")).first();
                long lo = r.getLong(0);
                long hi = r.getLong(1);
                splitTs = lo + (long) Math.floor(TRAIN_FRACTION * (hi - lo));
            }
            df.write().mode(SaveMode.Overwrite).parquet(dir.resolve(TABLE).toString());
            String backtestId = "bt-" + LagFeatures.sha256(dataId + "|" + splitTs + "|" + LagFeatures.schemaHash())
                    .substring(0, 12);
            FeatureTable t = new FeatureTable(dir, rows, splitTs, LagFeatures.schemaHash(), backtestId);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", rows);
            m.put("splitTs", splitTs);
            m.put("schemaHash", t.schemaHash());
            m.put("backtestId", backtestId);
            m.put("schema", LagFeatures.schemaJson());
            // meta.json is written last: its presence marks the table complete
            Files.createDirectories(dir);
            Path tmp = dir.resolve(META + ".tmp");
            JSON.writeValue(tmp.toFile(), m);
            Files.move(tmp, meta, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write feature table " + dir, e);
        } finally {
            df.unpersist();
        }
    }

    public static FeatureTable readTable(Path dir) {
        try {
            var m = JSON.readTree(dir.resolve(META).toFile());
            return new FeatureTable(dir, m.path("rows").asLong(), m.path("splitTs").asLong(),
                    m.path("schemaHash").asText(), m.path("backtestId").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("feature table " + dir + " has no readable " + META
                    + ": extract the features again", e);
        }
    }

    public static Dataset<Row> trainingRows(SparkSession spark, FeatureTable t) {
        return spark.read().parquet(t.tablePath()).filter(col("ts").leq(t.splitTs()));
    }

    public static Dataset<Row> holdoutRows(SparkSession spark, FeatureTable t) {
        return spark.read().parquet(t.tablePath()).filter(col("ts").gt(t.splitTs()));
    }

    /** The fitted pipeline and what the run logs about it. */
    public record Fit(PipelineModel model, Map<String, Object> params, double[] objectiveHistory,
                      double trainRmse, double trainR2) {}

    public static Fit fit(SparkSession spark, FeatureTable t, int maxIter, double regParam) {
        VectorAssembler assembler = new VectorAssembler()
                .setInputCols(LagFeatures.FEATURES.toArray(String[]::new))
                .setOutputCol("features");
        LinearRegression lr = new LinearRegression()
                .setLabelCol(LagFeatures.LABEL)
                .setFeaturesCol("features")
                .setPredictionCol("prediction")
                .setSolver("l-bfgs") // keeps an objective history per iteration, logged as a metric history
                .setMaxIter(maxIter)
                .setRegParam(regParam)
                .setElasticNetParam(0.0);
        Dataset<Row> train = trainingRows(spark, t);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("feature table " + t.dir() + " has no training rows before ts " + t.splitTs());
        }
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler, lr}).fit(train);
        LinearRegressionTrainingSummary s = ((LinearRegressionModel) model.stages()[1]).summary();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("algorithm", "LinearRegression");
        params.put("features", String.join(",", LagFeatures.FEATURES));
        params.put("maxIter", maxIter);
        params.put("regParam", regParam);
        params.put("solver", "l-bfgs");
        params.put("trainFraction", TRAIN_FRACTION);
        return new Fit(model, params, s.objectiveHistory(), s.rootMeanSquaredError(), s.r2());
    }

    /** Saves the pipeline and a Spark-free description of the linear model (linear.json) into {@code dir}. */
    public static void save(PipelineModel model, Path dir) {
        try {
            model.write().overwrite().save(dir.toString());
            LinearRegressionModel lr = (LinearRegressionModel) model.stages()[1];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("features", LagFeatures.FEATURES);
            m.put("coefficients", lr.coefficients().toArray());
            m.put("intercept", lr.intercept());
            m.put("schemaHash", LagFeatures.schemaHash());
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("linear.json").toFile(), m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir, e);
        }
    }

    public static PipelineModel load(Path dir) {
        if (!Files.isDirectory(dir.resolve("stages"))) {
            throw new IllegalArgumentException(dir + " is not a saved Spark PipelineModel (no stages/ directory)");
        }
        return PipelineModel.load(dir.toString());
    }

    /** Mean absolute error of the model on the holdout rows. */
    public static double holdoutMae(SparkSession spark, PipelineModel model, FeatureTable t) {
        Row r = model.transform(holdoutRows(spark, t))
                .agg(avg(abs(col("prediction").minus(col(LagFeatures.LABEL))))).first();
        return r.isNullAt(0) ? Double.NaN : r.getDouble(0);
    }

    /** Mean absolute error of the seasonal naive forecast (same time yesterday) on the holdout rows. */
    public static double baselineMae(SparkSession spark, FeatureTable t) {
        Row r = holdoutRows(spark, t)
                .agg(avg(abs(col(LagFeatures.SEASONAL_NAIVE).minus(col(LagFeatures.LABEL))))).first();
        return r.isNullAt(0) ? Double.NaN : r.getDouble(0);
    }

    /** Actual and predicted values of the first holdout day of one user, for the forecast-vs-actual plot. */
    public static double[][] plotSeries(SparkSession spark, PipelineModel model, FeatureTable t, int points) {
        Dataset<Row> h = holdoutRows(spark, t);
        Row first = h.select("user").orderBy("user").first();
        List<Row> rows = model.transform(h.filter(col("user").equalTo(first.getString(0))))
                .orderBy("ts").select(LagFeatures.LABEL, "prediction").limit(points).collectAsList();
        double[][] out = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            out[0][i] = rows.get(i).getDouble(0);
            out[1][i] = rows.get(i).getDouble(1);
        }
        return out;
    }
}
