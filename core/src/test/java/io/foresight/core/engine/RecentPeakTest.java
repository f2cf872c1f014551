package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The recent-peak ceiling the engine attaches to a forecast (issue 14). */
class RecentPeakTest {
    /** The running maximum equals the maximum read from scratch, across compactions, gaps and unobserved resources. */
    @Test
    void theRunningPeakEqualsTheWindowsMaximum() {
        Random rnd = new Random(7);
        UserHistory h = UserHistory.empty("u", 300, 40, 0);
        List<Double> cpu = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < 600; i++) {
            int gap = rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(3) : 0;
            for (int g = 0; g < gap; g++) {
                cpu.add(Double.NaN);
            }
            at += (long) gap * 300;
            // mostly idle with a spike now and then, so the maximum keeps leaving the window
            double x = rnd.nextInt(30) == 0 ? 5 + rnd.nextDouble() : rnd.nextDouble();
            h.append(at, new double[] {x, Double.NaN, x / 2, 1});
            cpu.add(x);
            at += 300;
            int window = 1 + rnd.nextInt(30);
            double expected = Double.NaN;
            for (int k = Math.max(0, cpu.size() - window); k < cpu.size(); k++) {
                double v = cpu.get(k);
                if (!Double.isNaN(v) && (Double.isNaN(expected) || v > expected)) {
                    expected = v;
                }
            }
            assertEquals(expected, h.recentPeak(Resource.CPU, window), 0, "interval " + i + ", window " + window);
            assertTrue(Double.isNaN(h.recentPeak(Resource.MEMORY, window)), "memory was never observed");
        }
    }

    @Test
    void theCeilingIsAttachedOnlyOnceTheHistoryCoversItsWindow() {
        int day = 288;
        UserHistory h = UserHistory.empty("u", 300, CycleEngine.historyWindow(300), 0);
        double[][] none = new double[Resource.COUNT][1];
        Forecast f = new Forecast("u", 0, 300, 0.95, none, none, "m");
        for (int i = 0; i < CycleEngine.PEAK_CEILING_DAYS * day; i++) {
            assertNull(CycleEngine.withRecentPeak(f, h).ceiling(), "no ceiling after " + i + " intervals");
            h.append(i * 300L, new double[] {i == 5 ? 3.0 : 0.1, 1, 1, 1});
        }
        Forecast capped = CycleEngine.withRecentPeak(f, h);
        assertEquals(3.0, capped.ceiling(Resource.CPU), 0, "the week's spike");
        for (int i = 0; i < 6; i++) {
            h.append(h.nextAt(), new double[] {0.2, 1, 1, 1});
        }
        assertEquals(0.2, CycleEngine.withRecentPeak(f, h).ceiling(Resource.CPU), 0, "the spike left the week");
    }

    /** Two window lengths asked for in turn every cycle (the ceiling's and the peak hold's) each stay exact. */
    @Test
    void twoWindowsAskedForInTurnEachEqualTheirMaximum() {
        Random rnd = new Random(11);
        UserHistory h = UserHistory.empty("u", 300, 60, 0);
        List<Double> mem = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            double x = rnd.nextInt(25) == 0 ? 8 + rnd.nextDouble() : rnd.nextDouble();
            h.append(i * 300L, new double[] {1, x, 1, 1});
            mem.add(x);
            for (int window : new int[] {50, 7}) {
                double expected = Double.NaN;
                for (int k = Math.max(0, mem.size() - window); k < mem.size(); k++) {
                    expected = Double.isNaN(expected) ? mem.get(k) : Math.max(expected, mem.get(k));
                }
                assertEquals(expected, h.recentPeak(Resource.MEMORY, window), 0, "interval " + i + ", window " + window);
            }
        }
    }

    @Test
    void thePeakHoldAttachesTheHeldPeakForTheResourcesWithAHold() {
        UserHistory h = UserHistory.empty("u", 300, CycleEngine.historyWindow(300), 0);
        double[][] none = new double[Resource.COUNT][1];
        Forecast f = new Forecast("u", 0, 300, 0.95, none, none, "m");
        io.foresight.core.plan.PlannerConfig off = io.foresight.core.eval.Policies.ForesightSettings.defaults().planner()
                .withPeakHold(new int[] {0, 0, 0, 0});
        io.foresight.core.plan.PlannerConfig memory = off.withPeakHold(new int[] {0, 10, 0, 0});
        for (int i = 0; i < 30; i++) {
            h.append(i * 300L, new double[] {i == 25 ? 9 : 1, i == 25 ? 7 : 2, 1, 1});
        }
        assertNull(CycleEngine.withPeakHold(f, h, off).floor(), "no hold: nothing attached");
        Forecast held = CycleEngine.withPeakHold(f, h, memory);
        assertEquals(7, held.floor(Resource.MEMORY), 0, "memory's peak of the last 10 intervals");
        assertTrue(Double.isNaN(held.floor(Resource.CPU)), "CPU has no hold");
        for (int i = 30; i < 36; i++) {
            h.append(i * 300L, new double[] {1, 2, 1, 1});
        }
        assertEquals(2, CycleEngine.withPeakHold(f, h, memory).floor(Resource.MEMORY), 0, "the peak left the hold");
    }
}
