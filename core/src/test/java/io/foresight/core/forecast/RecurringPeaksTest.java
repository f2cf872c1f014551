package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A daily spike seen every day is provisioned before it comes; one seen once is not. */
class RecurringPeaksTest {
    static final int DAY = 288;

    static UserSeries cpu(double[] v) {
        int n = v.length;
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 300L * i;
        }
        u[0] = v;
        for (int r = 1; r < Resource.COUNT; r++) {
            Arrays.fill(u[r], Double.NaN);
        }
        for (double[] row : c) {
            Arrays.fill(row, Double.NaN);
        }
        return new UserSeries("u", 300, ts, u, c);
    }

    static Forecast flat(int horizon, double level) {
        double[][] p = new double[Resource.COUNT][horizon];
        double[][] up = new double[Resource.COUNT][horizon];
        for (int r = 0; r < Resource.COUNT; r++) {
            Arrays.fill(p[r], r == 0 ? level : Double.NaN);
            Arrays.fill(up[r], r == 0 ? level * 1.2 : Double.NaN);
        }
        return new Forecast("u", 0, 300, 0.97, p, up, "test");
    }

    @Test
    void aSpikeThatRecurredEveryDayIsCoveredAheadAndReleasedAfter() {
        double[] v = new double[3 * DAY];
        Arrays.fill(v, 1.0);
        int spike = 100; // at 08:20 each day
        v[spike] = 9;
        v[DAY + spike + 1] = 8; // a step later the next day: still within the window
        int now = 2 * DAY + spike - 5; // the forecast is made 5 steps before today's spike
        RecurringPeaks rp = new RecurringPeaks(2, 3);
        Forecast f = rp.lift(flat(8, 1.0), cpu(v), now);
        // step h falls on index 195 + h of today: within 3 steps of the day before's spike (100) from h = 2 and of
        // yesterday's (101) from h = 3; only where both days had it does it recur
        double[] up = f.upper()[0];
        assertEquals(1.2, up[0], 1e-12, "5 steps ahead: nothing recurs there yet");
        assertEquals(1.2, up[2], 1e-12, "near one day's spike only");
        for (int h = 3; h <= 7; h++) {
            assertEquals(8.0, up[h], 1e-12, "step " + h + ": the smaller of the two days' peaks");
        }
        // after today's spike time has passed by more than the window, the bound is released
        Forecast after = rp.lift(flat(2, 1.0), cpu(v), 2 * DAY + spike + 5);
        assertEquals(1.2, after.upper()[0][0], 1e-12);
        assertEquals(1.0, f.point()[0][5], 1e-12, "the point forecast is unchanged");
    }

    @Test
    void aSpikeSeenOnceDoesNotRecur() {
        double[] v = new double[3 * DAY];
        Arrays.fill(v, 1.0);
        v[DAY + 100] = 9; // yesterday only
        Forecast base = flat(8, 1.0);
        Forecast f = new RecurringPeaks(2, 3).lift(base, cpu(v), 2 * DAY + 97);
        assertSame(base, f, "min over the two days is the ordinary level, below the bound: no change");
    }

    @Test
    void tooLittleHistoryOrAnUnobservedDayChangesNothing() {
        double[] v = new double[3 * DAY];
        Arrays.fill(v, 5.0);
        Forecast base = flat(4, 1.0);
        assertSame(base, new RecurringPeaks(2, 3).lift(base, cpu(v), DAY + 10), "less than two days observed");
        Arrays.fill(v, 90, 110, Double.NaN); // the day before yesterday's window not observed
        assertSame(base, new RecurringPeaks(2, 3).lift(base, cpu(v), 2 * DAY + 98));
    }
}
