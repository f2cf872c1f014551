package io.foresight.core.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.ResourceVector;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the simulated cluster models: lead times, spot interruptions, prices, compensation. */
class SimulatedClusterTest {
    static final ResourceVector ONE = ResourceVector.of(1, 1, 1, 1);

    @TempDir
    Path dir;

    static SimulatedCluster.Config cfg(double spotRate, List<SimulatedCluster.ScriptedInterruption> script) {
        return SimulatedCluster.Config.defaults().withLeadSeconds(300, 600, 60, 0).withSpotInterruptions(7, spotRate)
                .withScripted(script);
    }

    static ApplyResult set(SimulatedCluster c, String key, long at, String user, ResourceVector a, boolean spot) {
        return c.apply(new ApplyRequest("p", 1, key, at, List.of(new UserAllocation(user, a, spot))));
    }

    /** Moves the pool's clock: an apply that changes no user (the loop's applies move it every cycle). */
    static void tick(SimulatedCluster c, long at) {
        c.apply(new ApplyRequest("p", 1, "tick@" + at, at, List.of()));
    }

    static ResourceVector cur(SimulatedCluster c, String user) {
        return c.current("p", user).orElseThrow().allocation();
    }

    @Test
    void increasesArriveAfterLeadTimeDecreasesAtOnce() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        set(c, "k0", 0, "u", ONE, false);
        assertEquals(ONE, cur(c, "u"), "a user the cluster never set is adopted at once");
        set(c, "k1", 0, "u", ResourceVector.of(2, 4, 10, 10), false);
        assertEquals(ResourceVector.of(1, 1, 1, 10), cur(c, "u"), "disk has no lead time");
        tick(c, 299);
        assertEquals(1, cur(c, "u").cpu());
        assertEquals(10, cur(c, "u").network());
        tick(c, 300);
        assertEquals(2, cur(c, "u").cpu());
        assertEquals(1, cur(c, "u").memory());
        assertEquals(ResourceVector.of(2, 4, 10, 10), c.target("p", "u").orElseThrow().allocation());
        tick(c, 600);
        assertEquals(ResourceVector.of(2, 4, 10, 10), cur(c, "u"));
        set(c, "k2", 600, "u", ResourceVector.of(1, 4, 10, 10), false);
        assertEquals(1, cur(c, "u").cpu(), "decrease is immediate");
    }

    @Test
    void reRequestingAPendingIncreaseKeepsItsArrivalAndAskingLessCancelsIt() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        set(c, "k0", 0, "u", ONE, false);
        set(c, "k1", 0, "u", ResourceVector.of(3, 1, 1, 1), false);
        set(c, "k2", 200, "u", ResourceVector.of(3, 1, 1, 1), false); // the loop asks again next cycle
        tick(c, 300);
        assertEquals(3, cur(c, "u").cpu(), "the increase asked for at 0 arrives at 0 + 300 s");
        set(c, "k3", 300, "u", ResourceVector.of(5, 1, 1, 1), false);
        set(c, "k4", 400, "u", ResourceVector.of(3, 1, 1, 1), false); // holds what is in effect
        tick(c, 1000);
        assertEquals(3, cur(c, "u").cpu(), "asking for what is in effect cancels the pending increase");
    }

    @Test
    void theStateIsTheJournalsAndEveryProcessComputesTheSame() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        set(c, "k0", 0, "u", ONE, false);
        set(c, "k1", 100, "u", ResourceVector.of(2, 4, 1, 1), false);
        SimulatedCluster restarted = new SimulatedCluster(dir, cfg(0, List.of()));
        tick(restarted, 450);
        assertEquals(ResourceVector.of(2, 1, 1, 1), cur(restarted, "u"), "cpu arrived at 400 s, memory not before 700 s");
        assertEquals(cur(restarted, "u"), cur(c, "u"), "the first process catches up with the tick");
        assertEquals(restarted.cost("p"), c.cost("p"), 1e-12);
    }

    @Test
    void theClockDoesNotGoBack() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        set(c, "k0", 0, "u", ONE, false);
        set(c, "k1", 1000, "u", ResourceVector.of(2, 1, 1, 1), false);
        set(c, "k2", 500, "v", ONE, false); // a late shard of an earlier cycle: applied at the clock, 1000
        assertEquals(1000, c.clock("p"));
        tick(c, 1299);
        assertEquals(1, cur(c, "u").cpu());
        tick(c, 1300);
        assertEquals(2, cur(c, "u").cpu());
    }

    @Test
    void compensationRestoresPreviousAndRemovesUsersThatHadNone() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        set(c, "a", 0, "u", ResourceVector.of(2, 2, 2, 2), false);
        tick(c, 1000);
        ApplyResult r = c.apply(new ApplyRequest("p", 2, "b", 1000, List.of(
                new UserAllocation("u", ResourceVector.of(1, 1, 1, 1), false),
                new UserAllocation("newbie", ONE, false))));
        SimulatedCluster other = new SimulatedCluster(dir, cfg(0, List.of())); // e.g. the saga's next step on another worker
        other.compensate(r);
        other.compensate(r);
        assertEquals(ResourceVector.of(2, 2, 2, 2), c.target("p", "u").orElseThrow().allocation());
        assertEquals(ResourceVector.of(1, 1, 1, 2), cur(c, "u"), "restoring more is an increase: it takes the lead time");
        assertTrue(c.current("p", "newbie").isEmpty(), "a user that had nothing holds nothing again");
        assertEquals(4, c.entries("p").size(), "apply a, tick, apply b and one compensation line");
        tick(c, 1600);
        assertEquals(ResourceVector.of(2, 2, 2, 2), cur(c, "u"));
    }

    @Test
    void costAccruesAtPriceBookRatesForWhatIsInEffect() {
        SimulatedCluster c = new SimulatedCluster(dir, SimulatedCluster.Config.defaults());
        ResourceVector a = ResourceVector.of(2, 8, 0, 0);
        set(c, "k", 0, "u", a, false);
        set(c, "s", 0, "s", a, true);
        tick(c, 7200);
        double expected = PriceBook.DEFAULT.cost(a, 7200, false) + PriceBook.DEFAULT.cost(a, 7200, true);
        assertEquals(expected, c.cost("p"), 1e-9);
        assertTrue(PriceBook.DEFAULT.cost(a, 7200, true) < PriceBook.DEFAULT.cost(a, 7200, false), "spot is cheaper");
    }

    @Test
    void scriptedInterruptionDropsSpotAndReprovisionsOnDemand() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of(new SimulatedCluster.ScriptedInterruption(1000, "u"))));
        set(c, "k", 0, "u", ResourceVector.of(2, 2, 2, 2), true);
        set(c, "k2", 0, "v", ONE, false);
        tick(c, 999);
        assertEquals(ResourceVector.of(2, 2, 2, 2), cur(c, "u"));
        tick(c, 1000);
        UserAllocation now = c.current("p", "u").orElseThrow();
        assertFalse(now.spot());
        assertEquals(ResourceVector.of(0, 0, 0, 2), now.allocation(), "gone at once; disk has no lead time");
        List<SimulatedCluster.Interruption> ev = c.interruptions("p");
        assertEquals(1, ev.size());
        assertEquals(new SimulatedCluster.Interruption(1000, "u", ResourceVector.of(2, 2, 2, 2)), ev.get(0));
        tick(c, 1600);
        assertEquals(ResourceVector.of(2, 2, 2, 2), cur(c, "u"));
        assertEquals(ONE, cur(c, "v"), "on-demand user untouched");
    }

    @Test
    void seededInterruptionsAreReproducibleAndAtTheDocumentedRate() {
        int[] counts = new int[2];
        for (int run = 0; run < 2; run++) {
            SimulatedCluster c = new SimulatedCluster(dir.resolve("run" + run), cfg(0.1, List.of()));
            for (int u = 0; u < 100; u++) {
                set(c, "k" + u, 0, "u" + u, ONE, true);
            }
            tick(c, 3600 * 10);
            counts[run] = c.interruptions("p").size();
        }
        assertEquals(counts[0], counts[1]);
        // 100 users, 10 hours, 10 %/h, but an interrupted user leaves spot: expect about 65 (1 - 0.9^10)
        assertTrue(counts[0] > 45 && counts[0] < 85, "interruptions " + counts[0]);
        SimulatedCluster none = new SimulatedCluster(dir.resolve("none"), SimulatedCluster.Config.defaults());
        set(none, "k", 0, "u", ONE, true);
        tick(none, 3600 * 100);
        assertTrue(none.interruptions("p").isEmpty(), "the default has no interruptions");
    }

    @Test
    void aDryRunDiffListsOnlyUsersWhoseAllocationOrMarketWouldChangeAndAppliesNothing() {
        SimulatedCluster c = new SimulatedCluster(dir, cfg(0, List.of()));
        c.apply(new ApplyRequest("p", 0, "p/0/0", 0, List.of(
                new UserAllocation("a", ResourceVector.of(2, 4, Double.NaN, Double.NaN), false),
                new UserAllocation("b", ResourceVector.of(1, 1, Double.NaN, Double.NaN), false))));
        List<Actuator.Change> diff = c.diff(new ApplyRequest("p", 1, "p/1/0", 300, List.of(
                new UserAllocation("a", ResourceVector.of(3, 4, Double.NaN, Double.NaN), false),
                new UserAllocation("b", ResourceVector.of(1, 1, Double.NaN, Double.NaN), true),
                new UserAllocation("c", ResourceVector.of(1, 1, Double.NaN, Double.NaN), false))));
        assertEquals(List.of("a (p): cpu 2 -> 3", "b (p): on spot", "c (p): cpu unset -> 1, memory unset -> 1, on demand"),
                diff.stream().map(Actuator.Change::toString).toList());
        assertEquals(2, c.current("p", "a").orElseThrow().allocation().cpu(), 1e-9, "a dry-run applies nothing");
        assertTrue(c.current("p", "c").isEmpty());
    }
}
