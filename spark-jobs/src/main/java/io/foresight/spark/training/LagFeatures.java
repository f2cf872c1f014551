package io.foresight.spark.training;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One-step-ahead CPU features from a Bitbrains trace: for each user and step t, the label is the CPU cores
 * used at t and the features are lags (5 min, 10 min, 15 min, 1 h, 1 day) and the mean of the last hour.
 * The trace is read with the validating {@link BitbrainsReader}; steps where the label or any feature is
 * unobserved (NaN) are skipped, never imputed.
 */
public final class LagFeatures {
    static final int[] LAGS = {1, 2, 3, 12, 288};
    static final int MEAN_WINDOW = 12;
    public static final List<String> FEATURES = List.of("lag_1", "lag_2", "lag_3", "lag_12", "lag_288", "mean_12");
    public static final String LABEL = "y";
    /** The label one day earlier: the seasonal naive forecast, for the baseline. */
    public static final String SEASONAL_NAIVE = "lag_288";

    public static final StructType SCHEMA;

    static {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("user", DataTypes.StringType, false));
        f.add(DataTypes.createStructField("ts", DataTypes.LongType, false));
        f.add(DataTypes.createStructField(LABEL, DataTypes.DoubleType, false));
        for (String name : FEATURES) {
            f.add(DataTypes.createStructField(name, DataTypes.DoubleType, false));
        }
        SCHEMA = DataTypes.createStructType(f);
    }

    private LagFeatures() {}

    /** The schema as JSON, logged with every run. */
    public static String schemaJson() {
        return SCHEMA.json();
    }

    /** sha256 of the schema JSON, tagged on every model version. */
    public static String schemaHash() {
        return "sha256:" + sha256(schemaJson()).substring(0, 16);
    }

    /** Rows for every user of the trace. */
    public static List<Row> rows(Trace trace) {
        List<Row> out = new ArrayList<>();
        for (UserSeries s : trace.users().values()) {
            addRows(s, out);
        }
        return out;
    }

    static void addRows(UserSeries s, List<Row> out) {
        double[] y = s.usageColumn(Resource.CPU);
        int maxLag = LAGS[LAGS.length - 1];
        for (int t = maxLag; t < y.length; t++) {
            if (Double.isNaN(y[t])) {
                continue;
            }
            Object[] v = new Object[3 + FEATURES.size()];
            v[0] = s.user();
            v[1] = s.timestamp(t);
            v[2] = y[t];
            boolean ok = true;
            for (int i = 0; i < LAGS.length && ok; i++) {
                double x = y[t - LAGS[i]];
                ok = !Double.isNaN(x);
                v[3 + i] = x;
            }
            double sum = 0;
            for (int k = 1; k <= MEAN_WINDOW && ok; k++) {
                double x = y[t - k];
                ok = !Double.isNaN(x);
                sum += x;
            }
            if (ok) {
                v[3 + LAGS.length] = sum / MEAN_WINDOW;
                out.add(RowFactory.create(v));
            }
        }
    }

    /** Reads the trace files and returns the feature table. */
    public static Dataset<Row> extract(SparkSession spark, List<Path> files, int maxUsers) {
        Trace trace = BitbrainsReader.read(files, maxUsers == 0 ? Integer.MAX_VALUE : maxUsers);
        return spark.createDataFrame(rows(trace), SCHEMA);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
