package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UserHistoryTest {
    private static final int STEP = 300;
    private static final int WINDOW = 2304; // 8 days of 5-minute intervals, as the loop keeps

    private static double[] usage(Random rnd, int i) {
        double day = Math.sin(2 * Math.PI * i / 288.0);
        return new double[] {1 + day + 0.1 * rnd.nextDouble(), 4 + day, 0.01 * rnd.nextDouble(), 0.02};
    }

    @Test
    void arraysGrowInSmallStepsWhileTheCompactionScheduleStaysAsItWas() {
        // the arrays hold the observed intervals and at most 1/16 + 1/32 window more; the intervals dropped, and when,
        // are those of the schedule a history always had: due at max(n + 1, min(n, window) + slack) after n kept
        String user = "vm-17";
        int slack = WINDOW / 4 + Math.floorMod(user.hashCode(), WINDOW / 8);
        UserHistory h = UserHistory.empty(user, STEP, WINDOW, 0);
        Random rnd = new Random(3);
        List<Long> starts = new ArrayList<>();
        List<Long> expected = new ArrayList<>();
        int kept = 0;
        long first = 0;
        int due = Math.max(1, slack);
        for (int i = 0; i < 4 * WINDOW; i++) {
            if (kept + 1 > due) {
                int keep = Math.min(kept, WINDOW);
                if (kept > keep) {
                    first += (long) (kept - keep) * STEP;
                    expected.add(first);
                }
                kept = keep;
                due = Math.max(kept + 1, Math.min(kept, WINDOW) + slack);
            }
            long before = h.series().timestamp(0);
            h.append((long) i * STEP, usage(rnd, i));
            kept++;
            if (h.series().timestamp(0) != before) {
                starts.add(h.series().timestamp(0));
            }
            assertTrue(h.series().size() - h.size() <= WINDOW / 16 + WINDOW / 32,
                    "room held beyond the observed intervals at " + i + ": " + (h.series().size() - h.size()));
            assertEquals(first, h.series().timestamp(0), "series start at interval " + i);
            assertEquals(kept, h.size());
        }
        assertEquals(expected, starts);
        assertTrue(starts.size() >= 3, "the run compacts: " + starts);
    }

    @Test
    void aForecasterOnGrownArraysForecastsWhatItWouldHaveWithoutGrowing() {
        // growing changes the series' identity, so the blend forecaster rebuilds its state from the series: the same
        // intervals from the same start give the same forecasts, bit for bit, as a forecaster that followed one series
        // with room for everything throughout (what the history did before it grew in steps)
        int n = 1_500;
        double[][] cols = new double[Resource.COUNT][n];
        for (double[] c : cols) {
            Arrays.fill(c, Double.NaN);
        }
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            ts[i] = (long) i * STEP;
        }
        UserSeries whole = new UserSeries("u", STEP, ts, cols, new double[Resource.COUNT][n]);
        BlendForecaster followed = new BlendForecaster(BlendForecaster.Model.untrained(0.95, 1));
        BlendForecaster grown = new BlendForecaster(BlendForecaster.Model.untrained(0.95, 1));
        UserHistory h = UserHistory.empty("u", STEP, WINDOW, 0);
        Random rnd = new Random(5);
        int grew = 0;
        for (int i = 0; i < n; i++) {
            double[] u = usage(rnd, i);
            for (int r = 0; r < Resource.COUNT; r++) {
                cols[r][i] = u[r];
            }
            UserSeries before = h.series();
            h.append((long) i * STEP, u);
            if (h.series() != before) {
                grew++;
            }
            Forecast a = followed.forecast(whole, i + 1, 1);
            Forecast b = grown.forecast(h.series(), h.size(), 1);
            for (int r = 0; r < Resource.COUNT; r++) {
                assertArrayEquals(a.point()[r], b.point()[r], 0.0, "point at " + i);
                assertArrayEquals(a.upper()[r], b.upper()[r], 0.0, "upper at " + i);
            }
        }
        assertTrue(grew >= 5, "the arrays grew: " + grew);
        assertEquals(0, h.series().timestamp(0), "nothing dropped within the window");
    }
}
