package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DriftDetectorTest {
    private static final int SHIFT = 6 * 288; // day 6

    /** Replays one-step seasonal-naive forecasts of CPU and feeds the errors; returns the alarm indices. */
    private static List<Integer> replay(DriftDetector d, UserSeries s) {
        SeasonalNaiveForecaster f = SeasonalNaiveForecaster.daily();
        List<Integer> alarms = new ArrayList<>();
        for (int i = 288; i < s.size(); i++) {
            Forecast fc = f.forecast(s, i, 1);
            double err = Math.abs(s.usage(Resource.CPU, i) - fc.point(Resource.CPU, 0));
            if (d.observe(s.user(), fc.model(), Resource.CPU, s.timestamp(i), err).isPresent()) {
                alarms.add(i);
            }
        }
        return alarms;
    }

    @Test
    void levelShiftOnRealTraceIsDetectedQuicklyAndStationaryPartStaysQuiet() {
        DriftDetector d = new DriftDetector(DriftDetector.Config.defaults());
        int falseAlarms = 0;
        int stationaryIntervals = 0;
        for (UserSeries real : RealSlice.trace().users().values()) {
            List<Integer> a = replay(d, real);
            falseAlarms += a.size();
            stationaryIntervals += real.size() - 2 * 288;
            System.out.println("vm " + real.user() + " unmodified: alarms at " + a);
        }
        System.out.printf("unmodified real slice: %d alarms in %d scored intervals of 6 VMs%n", falseAlarms, stationaryIntervals);
        assertTrue(falseAlarms <= 2, "stationary real series raise at most 2 alarms in 6 x 8 days, got " + falseAlarms);
        assertTrue(d.drainRetrainRequests().size() <= 1);

        DriftDetector d2 = new DriftDetector(DriftDetector.Config.defaults());
        UserSeries shifted = RealSlice.injected(RealSlice.trace().user("28"), Resource.CPU, SHIFT,
                RealSlice.trace().user("28").size(), y -> 2 * y + 0.5); // the workload doubles and gains a floor
        List<Integer> alarms = replay(d2, shifted);
        System.out.println("vm 28 shifted at " + SHIFT + ": alarms at " + alarms);
        assertTrue(alarms.stream().noneMatch(i -> i < SHIFT), "no alarm before the shift: " + alarms);
        assertTrue(!alarms.isEmpty() && alarms.get(0) - SHIFT <= 48, "detected within 4 hours: " + alarms);
        List<DriftDetector.RetrainRequest> req = d2.drainRetrainRequests();
        assertEquals(1, req.size());
        assertEquals(List.of("28"), req.get(0).users());
        assertTrue(req.get(0).reasons().get(0).contains("cpu forecast error of user 28 drifted"), req.get(0).reasons().get(0));
        assertTrue(d2.drainRetrainRequests().isEmpty(), "drained");
    }

    @Test
    void explicitBaselineAndValidation() {
        DriftDetector d = new DriftDetector(DriftDetector.Config.defaults());
        d.setBaseline("u", "m", Resource.CPU, 0.1);
        int i = 0;
        while (d.observe("u", "m", Resource.CPU, i, 0.1).isEmpty() && i < 1000) {
            i++;
        }
        assertEquals(1000, i, "errors at the baseline never alarm");
        int j = 0;
        while (d.observe("u", "m", Resource.CPU, j, 0.4).isEmpty()) {
            j++;
        }
        assertEquals(36, j, "ratio 4 adds 2 a step: the 37th step passes 72");
        assertThrows(IllegalArgumentException.class, () -> d.observe("u", "m", Resource.CPU, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new DriftDetector.Config(10, 0.5, 1.2, 5, new double[4]));
    }
}
