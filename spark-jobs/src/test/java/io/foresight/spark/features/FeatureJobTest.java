package io.foresight.spark.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SharedSpark;
import io.foresight.spark.TestTraces;
import io.foresight.spark.TraceDatasets;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The batch (Spark) and online (core) feature paths must agree value for value. */
@ExtendWith(SharedSpark.class)
class FeatureJobTest {
    private static final double TOL = 1e-9;
    private final Trace trace = TestTraces.small(8, 2, 7);
    private final long holiday = trace.user("u0").timestamp(0) / 86_400 + 4;
    private final LongPredicate isHoliday = ts -> Math.floorDiv(ts, 86_400L) == holiday;
    private final FeatureJob job = new FeatureJob(300, Set.of(holiday));

    @Test
    void pointFeaturesMatchCoreForEveryRow() {
        Dataset<Row> usage = TraceDatasets.usage(SharedSpark.session(), trace);
        List<Row> rows = job.pointFeatures(usage).collectAsList();
        long expectedRows = 0;
        for (UserSeries s : trace.users().values()) {
            for (Resource r : Resource.values()) {
                for (double v : s.usageColumn(r)) {
                    expectedRows += Double.isNaN(v) ? 0 : 1;
                }
            }
        }
        assertEquals(expectedRows, rows.size(), "one row per observed (user, ts, resource)");
        int holidays = 0;
        for (Row row : rows) {
            UserSeries s = trace.user(row.getString(0));
            long ts = row.getLong(1);
            int t = (int) ((ts - s.timestamp(0)) / 300);
            Resource r = Resource.of(row.getInt(2));
            double[] core = UserFeatures.pointFeatures(s, r, t, isHoliday);
            assertEquals(s.usage(r, t), row.getDouble(3), "target y");
            for (int k = 0; k < UserFeatures.POINT_COUNT; k++) {
                String name = UserFeatures.POINT_NAMES.get(k);
                double spark = row.getDouble(row.fieldIndex(name));
                if (Double.isNaN(core[k])) {
                    assertTrue(Double.isNaN(spark), name + " at " + s.user() + "/" + t + "/" + r + ": core NaN, spark " + spark);
                } else {
                    assertEquals(core[k], spark, TOL, name + " at " + s.user() + "/" + t + "/" + r);
                }
            }
            holidays += core[UserFeatures.POINT_NAMES.indexOf("holiday")] == 1 ? 1 : 0;
        }
        assertTrue(holidays > 0, "the holiday feature was exercised");
    }

    @Test
    void profilesMatchCoreForEveryUserAndWindow() {
        Dataset<Row> usage = TraceDatasets.usage(SharedSpark.session(), trace).cache();
        long start = trace.user("u0").timestamp(0);
        long[][] windows = {{start, start + 8 * 86_400L}, {start + 86_400L + 1800, start + 3 * 86_400L}};
        for (long[] w : windows) {
            List<Row> rows = job.profiles(usage, w[0], w[1], UserFeatures.DEFAULT_ACTIVE_THRESHOLDS).collectAsList();
            assertEquals(trace.users().size(), rows.size());
            for (Row row : rows) {
                FeatureVector batch = FeatureJob.toVector(row, w[0], w[1]);
                FeatureVector online = UserFeatures.profile(trace.user(batch.user()), w[0], w[1]);
                for (int i = 0; i < FeatureVector.NAMES.size(); i++) {
                    assertEquals(online.values()[i], batch.values()[i], TOL,
                            FeatureVector.NAMES.get(i) + " of " + batch.user() + " over " + w[0] + ".." + w[1]);
                }
            }
        }
    }

    @Test
    void profilesSeparateSteadyFromBatch() {
        long start = trace.user("u0").timestamp(0);
        FeatureVector steady = UserFeatures.profile(trace.user("u0"), start, start + 8 * 86_400L);
        FeatureVector batch = UserFeatures.profile(trace.user("u1"), start, start + 8 * 86_400L);
        assertTrue(steady.get(Resource.CPU, "daily") > 0.5, "steady service repeats daily");
        assertTrue(steady.get(Resource.CPU, "burstiness") < batch.get(Resource.CPU, "burstiness"));
        assertTrue(steady.get(Resource.CPU, "active") > 0.9);
    }
}
