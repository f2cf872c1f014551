package io.foresight.spark;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import io.foresight.spark.pattern.SyntheticUsers;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small synthetic traces for Spark tests, with a few unobserved (NaN) intervals like real data. */
public final class TestTraces {
    private TestTraces() {}

    public static Trace small(int days, int userCount, long seed) {
        Map<String, UserSeries> users = new LinkedHashMap<>();
        Pattern[] ps = {Pattern.STEADY_SERVICE, Pattern.BATCH, Pattern.INTERACTIVE_DEV};
        for (int i = 0; i < Math.min(userCount, ps.length); i++) {
            UserSeries s = SyntheticUsers.series(ps[i], "u" + i, days, seed + i);
            // Holes: one unobserved interval per resource and a 2-hour outage, as in the real trace.
            for (Resource r : Resource.values()) {
                s.usageColumn(r)[100 + 7 * r.ordinal()] = Double.NaN;
                for (int k = 1500; k < Math.min(1524, s.size()); k++) {
                    s.usageColumn(r)[k] = Double.NaN;
                }
            }
            users.put(s.user(), s);
        }
        return new Trace(300, users, new ValidationReport("test"));
    }
}
