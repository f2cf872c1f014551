package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PerResourceForecasterTest {
    /** A point model that forecasts {@code value} for every resource. */
    record Constant(double value) implements PointForecaster {
        public String name() { return "constant(" + value + ")"; }

        public double[][][] pointsFrom(UserSeries history, int from, int to, int horizon) {
            double[][][] out = new double[to - from][Resource.COUNT][horizon];
            for (double[][] o : out) {
                for (double[] r : o) {
                    java.util.Arrays.fill(r, value);
                }
            }
            return out;
        }
    }

    @Test
    void eachResourceGetsItsOwnPartsForecast() {
        Map<Resource, PointForecaster> parts = new EnumMap<>(Resource.class);
        Constant one = new Constant(1), two = new Constant(2);
        parts.put(Resource.CPU, one);
        parts.put(Resource.MEMORY, one);
        parts.put(Resource.NETWORK, two);
        parts.put(Resource.DISK, two);
        PerResourceForecaster f = new PerResourceForecaster(parts);
        double[][][] p = f.pointsFrom(null, 0, 3, 4);
        assertEquals(3, p.length);
        for (double[][] o : p) {
            assertEquals(1, o[Resource.CPU.ordinal()][3]);
            assertEquals(1, o[Resource.MEMORY.ordinal()][0]);
            assertEquals(2, o[Resource.NETWORK.ordinal()][2]);
            assertEquals(2, o[Resource.DISK.ordinal()][1]);
        }
        assertTrue(f.name().contains("cpu,memory=constant(1.0)"), f.name());
    }

    @Test
    void aMissingResourceIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PerResourceForecaster(Map.of(Resource.CPU, new Constant(1))));
        assertTrue(e.getMessage().contains("MEMORY"), e.getMessage());
    }
}
