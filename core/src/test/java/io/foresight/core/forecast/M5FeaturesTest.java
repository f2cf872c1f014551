package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class M5FeaturesTest {
    static double[] series(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 2 + Math.sin(2 * Math.PI * i / 288) + (r.nextDouble() < 0.05 ? 5 : 0.1 * r.nextDouble());
        }
        return y;
    }

    @Test
    void featuresAtAnOriginReadNothingFromTheOriginOnward() {
        double[] y = series(3000, 1);
        int o = 2500;
        double[] a = new double[M5Features.COUNT], b = new double[M5Features.COUNT];
        double[] la = M5Features.origin(y, o, 0, a);
        M5Features.step(y, o, 7, 1_000_000L, la, a);
        double[] z = y.clone();
        for (int i = o; i < z.length; i++) {
            z[i] = 1e6; // a different future
        }
        double[] lb = M5Features.origin(z, o, 0, b);
        M5Features.step(z, o, 7, 1_000_000L, lb, b);
        assertArrayEquals(la, lb);
        assertArrayEquals(a, b);
    }

    @Test
    void theBaseIsTheMedianOfTheLastThreeAndTheLabelIsTheClippedChangeInTypicalMoves() {
        double[] y = new double[400];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 2 == 0 ? 1.0 : 1.2; // every move is 0.2
        }
        y[399] = 9; // a one-interval burst: the median ignores it
        double[] x = new double[M5Features.COUNT];
        double[] bs = M5Features.origin(y, 400, 0, x);
        assertEquals(1.2, bs[0], 1e-12, "median of 1.0, 1.2, 9");
        assertEquals(0.2 + M5Features.SCALE_FLOOR, bs[2], 0.05, "mean absolute change over the last day");
        assertEquals((1.5 - bs[0]) / bs[2], M5Features.label(1.5, bs), 1e-12);
        assertEquals(M5Features.LABEL_CLIP, M5Features.label(100, bs), 1e-12, "a burst is clipped");
        assertEquals(1.5, M5Features.point(M5Features.label(1.5, bs), bs), 1e-12, "point inverts an unclipped label");
        assertEquals(0, M5Features.point(-1e9, bs), "never negative");
    }

    @Test
    void yesterdaysChangeIsWhatSeasonalNaiveWouldAddToTheBase() {
        double[] y = new double[600];
        Arrays.fill(y, 1.0);
        int o = 500, h = 3;
        y[o + h - 288] = 4.0; // yesterday, three steps after the origin's time, the series jumped by 3
        double[] x = new double[M5Features.COUNT];
        double[] bs = M5Features.origin(y, o, 0, x);
        M5Features.step(y, o, h, 0, bs, x);
        assertEquals(3.0 / bs[2], x[M5Features.NAMES.indexOf("yesterday_change")], 1e-9);
        assertEquals(M5Features.MISSING_CHANGE, x[M5Features.NAMES.indexOf("last_week_change")], "no week of history");
    }

    @Test
    void nothingObservedInTheLastDayGivesNoFeatures() {
        double[] y = new double[400];
        Arrays.fill(y, Double.NaN);
        assertNull(M5Features.origin(y, 400, 0, new double[M5Features.COUNT]));
    }
}
