package io.foresight.spark.features;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.covar_pop;
import static org.apache.spark.sql.functions.corr;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.nanvl;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.var_pop;
import static org.apache.spark.sql.functions.when;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Batch features with Spark SQL window functions, the exact mirror of core {@link UserFeatures}
 * (see docs/features.md; FeatureJobTest holds both equal to 1e-9).
 *
 * <p>Input: the usage Dataset of {@link TraceDatasets#USAGE_SCHEMA} on a regular grid (null =
 * not observed). Lags and rolling windows are range frames over {@code ts}, so a missing row is a
 * missing value, never a shifted one.
 */
public final class FeatureJob {
    private final int stepSeconds;
    private final List<Long> holidayEpochDays;

    /**
     * @param holidayEpochDays UTC days (days since 1970-01-01) that are holidays; the online path
     *                         must use a predicate true on exactly these days
     */
    public FeatureJob(int stepSeconds, Collection<Long> holidayEpochDays) {
        if (stepSeconds <= 0) {
            throw new IllegalArgumentException("stepSeconds must be positive, got " + stepSeconds);
        }
        this.stepSeconds = stepSeconds;
        this.holidayEpochDays = List.copyOf(Objects.requireNonNull(holidayEpochDays, "holidayEpochDays"));
    }

    /** Long format: one row per (user, ts, resource) with observed y: columns user, ts, resource, y. */
    public static Dataset<Row> longFormat(Dataset<Row> usage) {
        Dataset<Row> out = null;
        for (Resource r : Resource.values()) {
            String c = TraceDatasets.RESOURCE_COLUMNS[r.ordinal()];
            Dataset<Row> d = usage.where(col(c).isNotNull())
                    .select(col("user"), col("ts"), lit(r.ordinal()).as("resource"), col(c).as("y"));
            out = out == null ? d : out.unionAll(d);
        }
        return out;
    }

    /**
     * Point features of {@link UserFeatures#POINT_NAMES} for every observed (user, ts, resource),
     * plus the target {@code y}. Missing history is NaN, as online.
     */
    public Dataset<Row> pointFeatures(Dataset<Row> usage) {
        Dataset<Row> d = longFormat(usage);
        WindowSpec byUser = Window.partitionBy("user", "resource").orderBy("ts");
        List<Column> cols = new ArrayList<>(List.of(col("user"), col("ts"), col("resource"), col("y")));
        for (int lag : UserFeatures.LAGS) {
            long off = (long) lag * stepSeconds;
            cols.add(nanIfNull(max("y").over(byUser.rangeBetween(-off, -off))).as("lag" + lag));
        }
        String[] label = {"1h", "6h", "24h"};
        for (int k = 0; k < UserFeatures.ROLLING.length; k++) {
            WindowSpec w = byUser.rangeBetween(-(long) UserFeatures.ROLLING[k] * stepSeconds, -stepSeconds);
            cols.add(nanIfNull(avg("y").over(w)).as("mean" + label[k]));
            cols.add(nanIfNull(max("y").over(w)).as("max" + label[k]));
        }
        cols.add(expr("cast(pmod(ts, 86400) div 3600 as double)").as("hour"));
        cols.add(expr("cast(pmod((ts div 86400) + 3, 7) as double)").as("dow"));
        cols.add(expr("cast(case when pmod((ts div 86400) + 3, 7) >= 5 then 1 else 0 end as double)").as("weekend"));
        Column day = expr("ts div 86400");
        cols.add((holidayEpochDays.isEmpty() ? lit(0.0)
                : when(day.isin(holidayEpochDays.toArray()), 1.0).otherwise(0.0)).as("holiday"));
        return d.select(cols.toArray(new Column[0]));
    }

    private static Column nanIfNull(Column c) {
        return coalesce(c.cast("double"), lit(Double.NaN));
    }

    /**
     * The {@link FeatureVector} of every user over [from, to): columns user, then
     * {@link FeatureVector#NAMES}. Users without any row in the window are absent.
     */
    public Dataset<Row> profiles(Dataset<Row> usage, long from, long to, double[] activeThresholds) {
        if (activeThresholds.length != Resource.COUNT) {
            throw new IllegalArgumentException("need one active threshold per resource");
        }
        Dataset<Row> d = longFormat(usage.where(col("ts").geq(from).and(col("ts").lt(to))));
        WindowSpec byUser = Window.partitionBy("user", "resource").orderBy("ts");
        long day = (long) UserFeatures.STEPS_PER_DAY * stepSeconds;
        long week = (long) UserFeatures.STEPS_PER_WEEK * stepSeconds;
        Dataset<Row> lagged = d
                .withColumn("y_day", max("y").over(byUser.rangeBetween(-day, -day)))
                .withColumn("y_week", max("y").over(byUser.rangeBetween(-week, -week)))
                .withColumn("x", col("ts").divide(86_400.0));
        Dataset<Row> stats = lagged.groupBy("user", "resource").agg(
                avg("y").as("mean"),
                max("y").as("peak"),
                expr("percentile(y, 0.5)").as("p50"),
                expr("percentile(y, 0.95)").as("p95"),
                expr("percentile(y, 0.99)").as("p99"),
                covar_pop(col("x"), col("y")).as("cxy"),
                var_pop(col("x")).as("vx"),
                stddev_pop(col("y")).as("sd"),
                corr(col("y"), col("y_day")).as("acf_day"),
                corr(col("y"), col("y_week")).as("acf_week"));
        Column threshold = when(col("resource").equalTo(0), activeThresholds[0])
                .when(col("resource").equalTo(1), activeThresholds[1])
                .when(col("resource").equalTo(2), activeThresholds[2])
                .otherwise(activeThresholds[3]);
        Dataset<Row> hourly = d.withColumn("hour", expr("floor(ts / 3600)"))
                .groupBy("user", "resource", "hour").agg(avg("y").as("hmean"))
                .withColumn("th", threshold)
                .groupBy("user", "resource")
                .agg(sum(when(col("hmean").gt(col("th")), 1).otherwise(0)).as("active_hours"), count(lit(1)).as("hours"));
        Dataset<Row> joined = stats.join(hourly, new String[] {"user", "resource"});
        Dataset<Row> perResource = joined.select(
                col("user"), col("resource"),
                col("mean"), col("peak"), col("p50"), col("p95"), col("p99"),
                when(col("vx").equalTo(0), 0.0).otherwise(col("cxy").divide(col("vx"))).as("trend"),
                zeroIfUndefined(col("acf_day")).as("daily"),
                zeroIfUndefined(col("acf_week")).as("weekly"),
                when(col("sd").plus(col("mean")).equalTo(0), 0.0)
                        .otherwise(col("sd").minus(col("mean")).divide(col("sd").plus(col("mean")))).as("burstiness"),
                col("active_hours").cast("double").divide(col("hours").cast("double")).as("active"));
        List<Column> aggs = new ArrayList<>();
        List<Column> out = new ArrayList<>(List.of(col("user")));
        for (Resource r : Resource.values()) {
            for (String s : FeatureVector.STATS) {
                String name = FeatureVector.NAMES.get(FeatureVector.index(r, s));
                aggs.add(first(when(col("resource").equalTo(r.ordinal()), col(s)), true).as(name));
                out.add(coalesce(col(name), lit(0.0)).as(name));
            }
        }
        return perResource.groupBy("user")
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
                .select(out.toArray(new Column[0]));
    }

    private static Column zeroIfUndefined(Column c) {
        return coalesce(nanvl(c, lit(0.0)), lit(0.0));
    }

    /** Reads one profile row back into the core type. */
    public static FeatureVector toVector(Row row, long from, long to) {
        double[] v = new double[FeatureVector.NAMES.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = row.getDouble(row.fieldIndex(FeatureVector.NAMES.get(i)));
        }
        return new FeatureVector(row.getString(row.fieldIndex("user")), from, to, v);
    }

    /**
     * spark-submit entry: {@code FeatureJob <bitbrains.csv[,...]> <out-dir> [maxUsers]} writes
     * point features and whole-trace profiles as Parquet.
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: FeatureJob <bitbrains.csv[,more.csv]> <out-dir> [maxUsers]");
            System.exit(2);
        }
        Trace trace = BitbrainsReader.read(BitbrainsReader.paths(args[0]),
                args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE);
        SparkSession spark = SparkSessions.getOrCreate("foresight-features");
        Dataset<Row> usage = TraceDatasets.usage(spark, trace);
        FeatureJob job = new FeatureJob(trace.stepSeconds(), List.of());
        job.pointFeatures(usage).write().mode("overwrite").parquet(args[1] + "/point-features");
        job.profiles(usage, Long.MIN_VALUE, Long.MAX_VALUE, UserFeatures.DEFAULT_ACTIVE_THRESHOLDS)
                .write().mode("overwrite").parquet(args[1] + "/profiles");
        spark.stop();
    }
}
