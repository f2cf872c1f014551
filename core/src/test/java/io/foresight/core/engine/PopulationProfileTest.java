package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cold start from the population profile, on the repo's real slice: fitted on 15 VMs, applied to the other 5. */
class PopulationProfileTest {
    static final int DAY = 288;

    record Split(Trace train, List<UserSeries> cold) {}

    static Split split() {
        Trace t = ProfilerTest.slice();
        Map<String, UserSeries> train = new LinkedHashMap<>();
        List<String> ids = t.userIds();
        for (int i = 0; i < ids.size(); i++) {
            if (i % 4 != 0) {
                train.put(ids.get(i), t.user(ids.get(i)));
            }
        }
        List<UserSeries> cold = ids.stream().filter(id -> !train.containsKey(id)).map(t::user).toList();
        return new Split(new Trace(t.stepSeconds(), train, t.report()), cold);
    }

    static PopulationProfile fit(Trace train) {
        return PopulationProfile.fit(train, user -> "default", 0.9);
    }

    @Test
    void fittedOnRealUsersItPredictsPatternsBetterThanTheMajorityAndNeedsAboveWhatWasSeen() {
        Split sp = split();
        PopulationProfile pop = fit(sp.train());
        assertTrue(pop.patterns().size() >= 2, "the slice's VMs show several patterns: " + pop.patterns().keySet());
        double shares = pop.patterns().values().stream().mapToDouble(PopulationProfile.PatternStats::share).sum();
        assertEquals(1.0, shares, 1e-9);
        // held-out users: first 2 hours known -> pattern of the following day, against the rules' label
        int right = 0;
        int majority = 0;
        int n = 0;
        for (UserSeries s : sp.cold()) {
            for (int d = 0; d + 1 < s.size() / DAY; d++) {
                int o = d * DAY + 24;
                UserHistory h = UserHistory.seed(s.slice(o - 24, s.size()), 24, CycleEngine.historyWindow(s.stepSeconds()));
                Pattern truth = ProfilerTest.dayPattern(s.slice(o, s.size()), 0);
                right += pop.predict(h, "default").pattern() == truth ? 1 : 0;
                majority += pop.majority() == truth ? 1 : 0;
                n++;
                double[] need = pop.need(h, pop.predict(h, "default").pattern());
                double seen = Arrays.stream(Arrays.copyOfRange(s.usageColumn(Resource.CPU), o - 24, o))
                        .filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
                if (!Double.isNaN(need[Resource.CPU.ordinal()])) {
                    assertTrue(need[Resource.CPU.ordinal()] >= seen - 1e-12, "the need is at least the peak seen");
                }
            }
        }
        System.out.printf("population pattern on held-out VMs: %d of %d right (majority: %d)%n", right, n, majority);
        assertTrue(n > 30, "pairs " + n);
        assertTrue(right >= majority, "first hours beat always-the-majority on unseen VMs: " + right + " vs " + majority
                + " of " + n);
    }

    @Test
    void saveLoadRoundTripPredictsTheSame(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Split sp = split();
        PopulationProfile pop = fit(sp.train());
        Path f = dir.resolve("population.json");
        pop.save(f);
        assertTrue(Files.size(f) > 0);
        PopulationProfile back = PopulationProfile.load(f);
        assertEquals(pop.majority(), back.majority());
        assertEquals(pop.teamMajority(), back.teamMajority());
        for (UserSeries s : sp.cold()) {
            UserHistory h = UserHistory.seed(s, 30, CycleEngine.historyWindow(s.stepSeconds()));
            assertEquals(pop.predict(h, "default"), back.predict(h, "default"));
            Pattern p = pop.predict(h, "default").pattern();
            assertTrue(Arrays.equals(pop.need(h, p), back.need(h, p)));
        }
        Files.writeString(f, "{not json");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                () -> PopulationProfile.load(f));
        assertTrue(e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void aColdUserStartsFromThePopulationAndMovesToItsOwnHistoryAfterADay() {
        Split sp = split();
        PopulationProfile pop = fit(sp.train());
        Profiler profiler = new Profiler(Profiler.Config.defaults(), pop);
        UserSeries s = sp.cold().get(1);
        UserProfile base = UserDirectory.DEFAULTS.base(s.user());
        UserHistory h = UserHistory.seed(s, 0, CycleEngine.historyWindow(s.stepSeconds()));
        ProfileState state = null;
        int warmAt = -1;
        for (int i = 0; i < 2 * DAY && warmAt < 0; i++) {
            h.append(s.timestamp(i), s.usageAt(i).toArray());
            state = profiler.update(state, base, h, null);
            assertNotNull(state);
            if (i < DAY - 1) {
                assertTrue(state.coldStart(), "cold during the first day (interval " + i + ")");
                assertNotEquals(Pattern.UNKNOWN, state.pattern(), "a predicted pattern, not the default");
                assertEquals(PopulationProfile.MODEL, state.models().get("pattern"));
            } else if (!state.coldStart()) {
                warmAt = i;
                assertTrue(state.change().startsWith("own history after the cold start"), state.change());
                assertEquals(Profiler.PATTERN_MODEL, state.models().get("pattern"));
            }
        }
        assertTrue(warmAt >= DAY - 1 && warmAt < DAY + DAY / 24 + 1, "warm within an hour of the first day: " + warmAt);
        // without a population the same user is UNKNOWN at first
        ProfileState plain = new Profiler(Profiler.Config.defaults()).update(null, base,
                UserHistory.seed(s, 1, CycleEngine.historyWindow(s.stepSeconds())), null);
        assertFalse(plain.coldStart());
        assertEquals(Pattern.UNKNOWN, plain.pattern());
    }

    @Test
    void theEngineRaisesAColdUsersUpperBoundToThePopulationNeedOnly() {
        Split sp = split();
        PopulationProfile pop = fit(sp.train());
        CycleEngine on = CycleEngine.foresight(io.foresight.core.plan.PlannerConfig.defaults(), 
                io.foresight.core.policy.PolicyGate.PERMISSIVE, io.foresight.core.cost.PriceBook.DEFAULT,
                CycleEngine.Parts.DEFAULTS, pop);
        CycleEngine off = CycleEngine.foresight(io.foresight.core.plan.PlannerConfig.defaults(),
                io.foresight.core.policy.PolicyGate.PERMISSIVE, io.foresight.core.cost.PriceBook.DEFAULT,
                CycleEngine.Parts.DEFAULTS.without("cold-start"), pop);
        UserSeries s = sp.cold().get(0);
        UserHistory h = UserHistory.seed(s, 24, CycleEngine.historyWindow(s.stepSeconds()));
        UserProfile base = UserDirectory.DEFAULTS.base(s.user());
        int horizon = on.horizon();
        double[][] zero = new double[Resource.COUNT][horizon];
        Forecast low = new Forecast(s.user(), h.nextAt(), s.stepSeconds(), 0.95, zero, zero, "test");
        ProfileState cold = on.profile(null, base, h, low);
        assertTrue(cold.coldStart());
        Forecast raised = on.withColdStartNeed(cold, h, low);
        double need = pop.need(h, cold.pattern())[Resource.CPU.ordinal()];
        assertEquals(need, raised.upper(Resource.CPU, 0), 1e-12);
        assertEquals(0.0, raised.point(Resource.CPU, 0), 0.0, "the point forecast is not touched");
        ProfileState def = off.profile(null, base, h, low);
        assertFalse(def.coldStart(), "cold start off: the defaults");
        assertSame(low, off.withColdStartNeed(def, h, low));
    }
}
