package io.foresight.spark;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Converts core traces to the usage Dataset every job reads: one row per user and interval with
 * columns (user, ts, cpu, memory, network, disk) in core units. Unobserved values (NaN) become
 * null; intervals with nothing observed are left out.
 */
public final class TraceDatasets {
    public static final StructType USAGE_SCHEMA = new StructType()
            .add("user", DataTypes.StringType, false)
            .add("ts", DataTypes.LongType, false)
            .add("cpu", DataTypes.DoubleType, true)
            .add("memory", DataTypes.DoubleType, true)
            .add("network", DataTypes.DoubleType, true)
            .add("disk", DataTypes.DoubleType, true);
    /** Usage column of each resource, by ordinal. */
    public static final String[] RESOURCE_COLUMNS = {"cpu", "memory", "network", "disk"};

    private TraceDatasets() {}

    public static Dataset<Row> usage(SparkSession spark, Trace trace) {
        return usage(spark, trace.users().values());
    }

    public static Dataset<Row> usage(SparkSession spark, Iterable<UserSeries> series) {
        List<Row> rows = new ArrayList<>();
        for (UserSeries s : series) {
            for (int i = 0; i < s.size(); i++) {
                Object[] v = new Object[2 + Resource.COUNT];
                v[0] = s.user();
                v[1] = s.timestamp(i);
                boolean any = false;
                for (Resource r : Resource.values()) {
                    double x = s.usage(r, i);
                    v[2 + r.ordinal()] = Double.isNaN(x) ? null : x;
                    any |= !Double.isNaN(x);
                }
                if (any) {
                    rows.add(RowFactory.create(v));
                }
            }
        }
        return spark.createDataFrame(rows, USAGE_SCHEMA);
    }
}
