package io.foresight.core.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedClusterTest {
    static SimulatedCluster.Config cfg(double spotRate, List<SimulatedCluster.ScriptedInterruption> script) {
        return new SimulatedCluster.Config(new long[] {300, 600, 60, 0}, PriceBook.DEFAULT, 7, spotRate, script, 100);
    }

    static ApplyRequest req(String key, String user, ResourceVector a, boolean spot) {
        return new ApplyRequest("p", 1, key, List.of(new UserAllocation(user, a, spot)));
    }

    @Test
    void increasesArriveAfterLeadTimeDecreasesAtOnce() {
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of()), 0);
        c.apply(req("k1", "u", ResourceVector.of(2, 4, 10, 10), false));
        assertEquals(ResourceVector.of(0, 0, 0, 10), c.current("u").orElseThrow().allocation(), "disk has no lead time");
        c.advanceTo(299);
        assertEquals(0, c.current("u").orElseThrow().allocation().cpu());
        assertEquals(10, c.current("u").orElseThrow().allocation().network());
        c.advanceTo(300);
        assertEquals(2, c.current("u").orElseThrow().allocation().cpu());
        assertEquals(0, c.current("u").orElseThrow().allocation().memory());
        c.advanceTo(600);
        assertEquals(ResourceVector.of(2, 4, 10, 10), c.current("u").orElseThrow().allocation());
        c.apply(req("k2", "u", ResourceVector.of(1, 4, 10, 10), false));
        assertEquals(1, c.current("u").orElseThrow().allocation().cpu(), "decrease is immediate");
    }

    @Test
    void sameKeyTwiceChangesNothingAndReturnsFirstResult() {
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of()), 0);
        ApplyResult first = c.apply(req("k", "u", ResourceVector.of(2, 2, 2, 2), false));
        c.advanceTo(1000);
        ApplyResult again = c.apply(req("k", "u", ResourceVector.of(9, 9, 9, 9), false));
        assertTrue(again.replayed());
        assertFalse(first.replayed());
        assertEquals(first.applied(), again.applied());
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.target("u").orElseThrow().allocation());
    }

    @Test
    void compensationRestoresPrevious() {
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of()), 0);
        c.apply(req("a", "u", ResourceVector.of(2, 2, 2, 2), false));
        c.advanceTo(1000);
        ApplyResult r = c.apply(req("b", "u", ResourceVector.of(4, 4, 4, 4), false));
        c.compensate(r);
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.target("u").orElseThrow().allocation());
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.current("u").orElseThrow().allocation());
    }

    @Test
    void costAccruesAtPriceBookRates() {
        SimulatedCluster c = new SimulatedCluster(new SimulatedCluster.Config(new long[4], PriceBook.DEFAULT, 1, 0,
                List.of(), 10), 0);
        ResourceVector a = ResourceVector.of(2, 8, 0, 0);
        c.apply(req("k", "u", a, false));
        c.advanceTo(7200);
        assertEquals(PriceBook.DEFAULT.cost(a, 7200, false), c.cost(), 1e-9);
    }

    @Test
    void scriptedInterruptionDropsSpotAndReprovisionsOnDemand() {
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of(new SimulatedCluster.ScriptedInterruption(1000, "u"))), 0);
        c.apply(req("k", "u", ResourceVector.of(2, 2, 2, 2), true));
        c.apply(new ApplyRequest("p", 1, "k2", List.of(new UserAllocation("v", ResourceVector.of(1, 1, 1, 1), false))));
        c.advanceTo(999);
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.current("u").orElseThrow().allocation());
        c.advanceTo(1000);
        UserAllocation now = c.current("u").orElseThrow();
        assertFalse(now.spot());
        assertEquals(0, now.allocation().cpu());
        List<SimulatedCluster.Interruption> ev = c.drainInterruptions();
        assertEquals(1, ev.size());
        assertEquals("u", ev.get(0).user());
        assertTrue(c.drainInterruptions().isEmpty());
        c.advanceTo(1600);
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.current("u").orElseThrow().allocation());
        assertEquals(ResourceVector.of(1, 1, 1, 1), c.current("v").orElseThrow().allocation(), "on-demand user untouched");
    }

    @Test
    void seededInterruptionsAreReproducibleAndRoughlyAtTheRate() {
        int[] counts = new int[2];
        for (int run = 0; run < 2; run++) {
            SimulatedCluster c = new SimulatedCluster(cfg(0.1, List.of()), 0);
            for (int u = 0; u < 100; u++) {
                c.apply(req("k" + u, "u" + u, ResourceVector.of(1, 1, 1, 1), true));
            }
            c.advanceTo(3600 * 10);
            counts[run] = c.drainInterruptions().size();
        }
        assertEquals(counts[0], counts[1]);
        // 100 users, 10 hours, 10%/h, but an interrupted user leaves spot: expect about 65 (1 - 0.9^10)
        assertTrue(counts[0] > 45 && counts[0] < 85, "interruptions " + counts[0]);
    }

    @Test
    void stateSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of(new SimulatedCluster.ScriptedInterruption(5000, "*"))), 0);
        c.apply(req("k", "u", ResourceVector.of(2, 2, 2, 2), true));
        c.advanceTo(100);
        Path f = dir.resolve("state/cluster.json");
        c.save(f);
        SimulatedCluster d = SimulatedCluster.load(f);
        assertEquals(c.now(), d.now());
        assertEquals(c.cost(), d.cost(), 0);
        assertEquals(c.current("u"), d.current("u"));
        assertTrue(d.apply(req("k", "u", ResourceVector.of(5, 5, 5, 5), false)).replayed(), "idempotency survives restart");
        c.advanceTo(6000);
        d.advanceTo(6000);
        assertEquals(c.current("u"), d.current("u"), "pending increases and the script survive");
        assertEquals(c.cost(), d.cost(), 1e-12);
        assertEquals(1, d.drainInterruptions().size());
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temp files left");
        }
    }

    @Test
    void corruptStateFileIsAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{not json");
        var e = assertThrows(java.io.UncheckedIOException.class, () -> SimulatedCluster.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("delete the file"));
    }

    @Test
    void replayReportsUsageAgainstEffectiveAllocation() {
        long[] ts = {0, 300, 600};
        double[][] use = new double[Resource.COUNT][3];
        use[0] = new double[] {1, 3, Double.NaN};
        double[][] cap = new double[Resource.COUNT][3];
        Trace t = new Trace(300, Map.of("u", new UserSeries("u", 300, ts, use, cap)), new ValidationReport("test"));
        SimulatedCluster c = new SimulatedCluster(cfg(0, List.of()), 0);
        c.apply(req("k", "u", ResourceVector.of(2, 0, 0, 0), false));
        List<SimulatedCluster.Sample> s0 = c.observe(t, 0);
        assertEquals(1, s0.get(0).shortfall().cpu(), 1e-9, "cpu not there yet (lead 300 s)");
        List<SimulatedCluster.Sample> s1 = c.observe(t, 1);
        assertEquals(2, s1.get(0).allocation().cpu(), 1e-9);
        assertEquals(1, s1.get(0).shortfall().cpu(), 1e-9);
        assertTrue(s1.get(0).shortOf());
        assertFalse(c.observe(t, 2).get(0).shortOf(), "NaN usage is not a shortfall");
    }
}
