package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.monitor.OutcomeMonitor;
import io.foresight.core.monitor.StalenessGuard;
import io.foresight.core.monitor.UserInterval;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedbackCycleTest {
    @TempDir
    Path dir;

    @Test
    void replaysRealSliceThroughTheWholeFeedbackStep() {
        int spikeAt = 8 * 288 + 14 * 12;
        Map<String, UserSeries> users = new LinkedHashMap<>(RealSlice.trace().users());
        users.put("22", RealSlice.injected(users.get("22"), Resource.CPU, spikeAt, spikeAt + 12, y -> y + 2.0));
        OutcomeLog outLog = new OutcomeLog(dir.resolve("outcomes.jsonl"));
        AnomalyLog anLog = new AnomalyLog(dir.resolve("anomalies.jsonl"));
        FeedbackCycle cycle = new FeedbackCycle(OutcomeMonitor.fiveMinute(PriceBook.DEFAULT),
                new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults()),
                new DriftDetector(DriftDetector.Config.defaults()), new HeadroomLearner(HeadroomLearner.Config.defaults()),
                new StalenessGuard(300, 3), outLog, anLog);
        SeasonalNaiveForecaster f = SeasonalNaiveForecaster.daily();
        Planner planner = new Planner(PlannerConfig.defaults());
        Map<String, Planner.State> states = new HashMap<>();
        Map<String, ResourceVector> current = new HashMap<>();
        List<AnomalyFlag> flags = new ArrayList<>();
        int from = spikeAt - 6;
        int to = spikeAt + 14;
        for (int i = from; i < to; i++) {
            List<FeedbackCycle.Observation> obs = new ArrayList<>();
            Map<String, Map<String, Long>> seen = new HashMap<>();
            long at = 0;
            for (UserSeries s : users.values()) {
                Forecast fc = f.forecast(s, i, 2);
                PlannedAllocation p = planner.plan(fc, current.getOrDefault(s.user(), ResourceVector.of(Double.NaN, Double.NaN, Double.NaN, Double.NaN)),
                        states.computeIfAbsent(s.user(), k -> new Planner.State()));
                current.put(s.user(), p.target());
                ResourceVector point = ResourceVector.of(fc.point(Resource.CPU, 0), fc.point(Resource.MEMORY, 0),
                        fc.point(Resource.NETWORK, 0), fc.point(Resource.DISK, 0));
                ResourceVector upper = ResourceVector.of(fc.upper(Resource.CPU, 0), fc.upper(Resource.MEMORY, 0),
                        fc.upper(Resource.NETWORK, 0), fc.upper(Resource.DISK, 0));
                obs.add(new FeedbackCycle.Observation(new UserInterval(s.user(), Pattern.STEADY_SERVICE, s.usageAt(i),
                        p.target(), point, upper, fc.model(), false), s, i, planner.config().headroom()));
                at = s.timestamp(i);
                // VM 5's collector goes silent at the spike
                seen.put(s.user(), Map.of("usage", s.user().equals("5") && i >= spikeAt ? s.timestamp(spikeAt) : s.timestamp(i)));
            }
            FeedbackCycle.Result r = cycle.run("pool-a", at, obs, seen, Set.of("usage"));
            flags.addAll(r.flags());
            assertEquals(users.size(), r.report().users());
            if (i >= spikeAt + 4) {
                assertTrue(r.staleness().mustHold("5"), "VM 5 silent for more than 3 intervals at " + i);
            } else {
                assertFalse(r.staleness().mustHold("5"));
            }
        }
        assertTrue(flags.stream().filter(a -> a.user().equals("22") && a.resource() == Resource.CPU).count() >= 10,
                "the injected hour raises scale-up flags: " + flags);
        assertEquals(users.size() * (to - from), outLog.read(null, Long.MIN_VALUE).size(), "one outcome line per user-interval");
        assertTrue(anLog.read("22", Long.MIN_VALUE).size() >= 10);
        assertTrue(cycle.learner().meanRewards(Pattern.STEADY_SERVICE).get(0.05) < 0, "the learner got the outcomes");
    }
}
