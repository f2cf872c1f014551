package io.foresight.core.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeMonitorTest {
    private final OutcomeMonitor monitor = new OutcomeMonitor(PriceBook.DEFAULT, 300, 10, 3);

    @Test
    void scoresShortfallSlackErrorAndCoverage() {
        UserInterval u = new UserInterval("u1", Pattern.BATCH, ResourceVector.of(3, 2, Double.NaN, 1),
                ResourceVector.of(2, 4, 1, 1), ResourceVector.of(2.5, 2, 1, 1), ResourceVector.of(2.8, 3, 1, 1),
                "m1", false);
        UserOutcome o = monitor.score(100, u);
        assertEquals(1.0 / 3, o.shortfall().cpu(), 1e-12, "cpu short by 1 of 3 used");
        assertEquals(0, o.shortfall().memory());
        assertTrue(Double.isNaN(o.shortfall().network()), "unobserved network is not scored");
        assertEquals(0, o.slack().cpu(), "an under-provisioned resource has no idle slack");
        assertEquals(0.5, o.slack().memory(), 1e-12);
        assertEquals(0.5, o.absError().cpu(), 1e-12);
        assertEquals(0, o.covered().cpu(), "3 > upper 2.8");
        assertEquals(1, o.covered().memory());
        assertEquals(PriceBook.DEFAULT.cost(u.allocation(), 300, false), o.cost(), 1e-15);
        assertTrue(o.underProvisioned(Resource.CPU));
        assertFalse(o.underProvisioned(Resource.MEMORY));
    }

    @Test
    void aggregatesPoolAndRanksTopShortfalls() {
        List<UserInterval> us = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // user i uses 1 + i/10 cores on a 1-core allocation: shortfall i/(10+i)
            us.add(new UserInterval("u" + i, i % 2 == 0 ? Pattern.BATCH : Pattern.STEADY_SERVICE,
                    ResourceVector.of(1 + i / 10.0, 1, 0, 0), ResourceVector.of(1, 2, 0, 0),
                    ResourceVector.of(1, 1, 0, 0), ResourceVector.of(1.2, 1, 0, 0), "m", false));
        }
        IntervalReport rep = monitor.observe("pool-a", 600, us);
        assertEquals(6, rep.users());
        assertEquals(3, rep.usersByPattern().get(Pattern.BATCH));
        assertEquals(5, rep.underProvisioned().get(Resource.CPU), "u0 uses exactly its allocation");
        assertEquals(0, rep.underProvisioned().get(Resource.MEMORY));
        assertEquals(0.5, rep.meanSlack().get(Resource.MEMORY), 1e-12);
        assertEquals(3, rep.top().size(), "top-k bounded by k");
        assertEquals("u5", rep.top().get(0).user());
        assertEquals(1, rep.top().get(0).rank());
        assertEquals(5 / 15.0, rep.top().get(0).ratio(), 1e-12);
        assertEquals("u3", rep.top().get(2).user());
        double meanErr = (0 + .1 + .2 + .3 + .4 + .5) / 6;
        assertEquals(meanErr, rep.forecastAbsError().get("m").get(Resource.CPU), 1e-12);
        assertEquals(3 / 6.0, rep.forecastCoverage().get("m").get(Resource.CPU), 1e-12, "u0..u2 within 1.2");
        assertEquals(5, rep.underProvisionedUsers());
    }

    @Test
    void rollingSummaryStaysBoundedAndTracksRecentBehaviour() {
        for (int t = 0; t < 1000; t++) {
            boolean under = t >= 950; // the last 50 intervals are all short
            UserInterval u = UserInterval.withoutForecast("u", Pattern.BATCH,
                    ResourceVector.of(under ? 2 : 1, 1, 0, 0), ResourceVector.of(1.5, 2, 0, 0));
            monitor.observe("p", t * 300L, List.of(u));
        }
        UserSummary s = monitor.summary("u").orElseThrow();
        assertEquals(1000, s.intervals());
        assertEquals(50, s.underProvisioned());
        assertTrue(s.underRate() > 0.99, "window of 10 forgets the old good intervals: " + s.underRate());
        assertTrue(Double.isNaN(s.cpuAbsError()), "no forecast was ever scored");
        assertEquals(1000 * PriceBook.DEFAULT.cost(ResourceVector.of(1.5, 2, 0, 0), 300, false), s.costDollars(), 1e-9);
        assertEquals(1, monitor.trackedUsers());
    }

    @Test
    void rejectsForecastWithoutModel() {
        assertThrows(IllegalArgumentException.class, () -> new UserInterval("u", Pattern.BATCH, ResourceVector.ZERO,
                ResourceVector.ZERO, ResourceVector.ZERO, null, null, false));
    }
}
