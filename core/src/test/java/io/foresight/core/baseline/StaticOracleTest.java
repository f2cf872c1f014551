package io.foresight.core.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.foresight.core.eval.UserAllocator;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticOracleTest {
    @Test
    void staticIsCapacityAndTrainingPeakForResourcesWithoutCapacity() {
        UserSeries train = Series.of(new double[] {1, 3}, new double[] {2, 2});
        train.usageColumn(io.foresight.core.model.Resource.NETWORK)[1] = 5.0;
        Trace t = new Trace(BitbrainsReader.STEP_SECONDS, Map.of("u", train), new ValidationReport("t"));
        UserSeries test = Series.of(new double[] {0.5, 0.7}, new double[] {1, 1});
        UserAllocator a = StaticPolicy.fromTraining(t).start(test);
        assertArrayEquals(new double[] {4, 8, 5.0, 2.0}, a.allocate(0), 1e-12);
    }

    @Test
    void oracleIsUsage() {
        UserSeries test = Series.of(new double[] {0.5, 0.7}, new double[] {1, 1.5});
        UserAllocator a = new OraclePolicy().start(test);
        assertArrayEquals(new double[] {0.5, 1, 1, 2}, a.allocate(0), 1e-12);
        assertEquals(1.5, a.allocate(1)[1], 1e-12);
    }
}
