package io.foresight.core.baseline;

import io.foresight.core.eval.AllocationPolicy;
import io.foresight.core.eval.UserAllocator;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Map;

/**
 * The lower bound: knows the future exactly and allocates each interval's actual usage. Intervals
 * without data keep the previous allocation (they are not scored).
 */
public final class OraclePolicy implements AllocationPolicy {
    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("allocation", "actual usage of the interval (sees the future by definition)");
    }

    @Override
    public UserAllocator start(UserSeries test) {
        double[] last = new double[Resource.COUNT];
        return new UserAllocator() {
            @Override
            public double[] allocate(int i) {
                for (int r = 0; r < Resource.COUNT; r++) {
                    double u = test.usageColumn(Resource.of(r))[i];
                    if (!Double.isNaN(u)) {
                        last[r] = u;
                    }
                }
                return last.clone();
            }

            @Override
            public void observe(int i, double[] usage) {
                // Nothing to learn: it already knows.
            }
        };
    }
}
