package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.cost.SpotMarket;
import io.foresight.core.engine.ApprovalModel;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.ProfilerTest;
import io.foresight.core.engine.UserDirectory;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.plan.CapacityPlanner;
import io.foresight.core.plan.InstanceCatalog;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The capacity planner inside the engine's cycle, on the repo's real slice (20 Bitbrains VMs): every interval the
 * pool's allocations in force are packed onto the bundled instance types, spot users on spot nodes, and a reclaimed
 * spot node's users fall back to on-demand within the lead time.
 */
class SpotPlacementTest {
    private static final int WARM = 3 * 288;
    private static final int CYCLES = 288;

    /** One cycle's placement as the replay reported it. */
    private record Cycle(CapacityPlanner.Plan nodes, CapacityPlanner.Plan allOnDemand, List<CapacityPlanner.Node> reclaimed,
                         Map<String, ResourceVector> inForce) {}

    private static final class Recorder implements PoolReplay.Listener {
        final List<Cycle> cycles = new ArrayList<>();
        final Map<String, ResourceVector> inForce = new HashMap<>();
        /** Per user, per interval: 'S' on spot, 'L' capacity lost, 'D' on-demand. */
        final Map<Integer, StringBuilder> held = new HashMap<>();
        final List<String> users;

        Recorder(List<String> users) {
            this.users = users;
        }

        @Override
        public void placed(long at, CapacityPlanner.Plan nodes, CapacityPlanner.Plan allOnDemand,
                           List<CapacityPlanner.Node> reclaimed) {
            cycles.add(new Cycle(nodes, allOnDemand, reclaimed, null));
        }

        @Override
        public void held(int user, boolean onSpot, boolean capacityLost) {
            held.computeIfAbsent(user, u -> new StringBuilder()).append(capacityLost ? 'L' : onSpot ? 'S' : 'D');
        }

        @Override
        public void interval(int user, int index, ResourceVector a, io.foresight.core.forecast.Forecast f) {
            inForce.put(users.get(user), a);
        }
    }

    private static Recorder run(SpotMarket market) {
        Trace t = ProfilerTest.slice();
        UserDirectory spotOk = new UserDirectory(new UserDirectory.Entry("t", Tier.STANDARD, true), Map.of());
        CycleEngine engine = Policies.engine(Policies.ForesightSettings.defaults(), PolicyGate.PERMISSIVE, PriceBook.DEFAULT,
                CycleEngine.Parts.DEFAULTS);
        PoolReplay replay = new PoolReplay(engine, SeasonalNaiveForecaster.daily(), "seasonal-naive", "t",
                ApprovalModel.NOW, spotOk::base);
        if (market != null) {
            replay = replay.withSpotMarket(market);
        }
        List<PoolReplay.UserReplay> pool = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (UserSeries s : t.users().values()) {
            UserSeries cut = s.slice(0, WARM + CYCLES);
            pool.add(new PoolReplay.UserReplay(cut, WARM, cut.capacityAt(WARM)));
            ids.add(s.user());
        }
        Recorder r = new Recorder(ids);
        replay.run(pool, r, null, 1);
        return r;
    }

    @Test
    void everyIntervalThePoolIsPackedOntoCatalogNodesWithSpotUsersOnSpotNodes() {
        Recorder r = run(null);
        assertEquals(CYCLES, r.cycles.size(), "one placement per cycle");
        InstanceCatalog catalog = InstanceCatalog.bundled();
        long spotCycles = 0;
        double nodeCost = 0;
        double onDemandCost = 0;
        for (Cycle c : r.cycles) {
            assertTrue(c.nodes().unplaced().isEmpty(), "every VM of the slice fits an instance type: " + c.nodes().unplaced());
            int placed = 0;
            for (CapacityPlanner.Node n : c.nodes().nodes()) {
                var type = catalog.type(n.type()).orElseThrow();
                assertTrue(type.fits(n.cpuUsed(), n.memoryUsed()), n + " overfills " + type);
                placed += n.users().size();
            }
            assertEquals(20, placed, "each of the 20 VMs on exactly one node");
            assertTrue(c.nodes().costPerHour() <= c.allOnDemand().costPerHour() + 1e-9);
            if (c.nodes().nodes().stream().anyMatch(CapacityPlanner.Node::spot)) {
                spotCycles++;
            }
            nodeCost += c.nodes().costPerHour();
            onDemandCost += c.allOnDemand().costPerHour();
        }
        // users on spot in the replay are exactly those on spot nodes of that interval's placement
        for (int k = 0; k < CYCLES; k++) {
            CapacityPlanner.Plan p = r.cycles.get(k).nodes();
            for (int u = 0; u < 20; u++) {
                char h = r.held.get(u).charAt(k);
                CapacityPlanner.Node n = p.nodeOf(r.users.get(u));
                if (h == 'S') {
                    assertTrue(n.spot(), "user " + r.users.get(u) + " on spot at interval " + k + " but placed on " + n);
                }
            }
        }
        System.out.printf("placement on the slice, 1 day, 20 VMs all allowed spot: %d of %d intervals with spot nodes; "
                + "node cost per hour summed %.2f vs %.2f all on-demand%n", spotCycles, CYCLES, nodeCost, onDemandCost);
        assertTrue(spotCycles > CYCLES / 2, "confident BATCH/IDLE VMs of the slice run on spot nodes: " + spotCycles);
        assertTrue(nodeCost < 0.9 * onDemandCost, "spot nodes cost less: " + nodeCost + " vs " + onDemandCost);
    }

    @Test
    void aReclaimedSpotNodesUsersFallBackToOnDemandWithinTheLeadTime() {
        // every spot node reclaimed every interval: each time a user goes on spot it is interrupted at once
        SpotMarket always = new SpotMarket(1.0, 2, 7);
        Recorder r = run(always);
        int f = always.fallbackSteps();
        int fallbacks = 0;
        for (String h : r.held.values().stream().map(StringBuilder::toString).toList()) {
            assertFalse(h.contains("S"), "with every spot node reclaimed at once no interval is held on spot: " + h);
        }
        for (int k = 0; k < r.cycles.size(); k++) {
            for (CapacityPlanner.Node n : r.cycles.get(k).reclaimed()) {
                assertTrue(n.spot());
                for (String user : n.users()) {
                    String h = r.held.get(r.users.indexOf(user)).toString();
                    // the users of a reclaimed node have no capacity until the on-demand fallback arrives ...
                    for (int j = k; j < Math.min(h.length(), k + f); j++) {
                        assertEquals('L', h.charAt(j), user + " lost at interval " + j + " (reclaimed at " + k + "): " + h);
                    }
                    // ... which it does within the lead time: then on-demand, unless a later decision put it on spot
                    // again and that node was reclaimed too
                    if (k + f < h.length()) {
                        boolean again = false;
                        for (int j = k + 1; j <= k + f; j++) {
                            again |= r.cycles.get(j).reclaimed().stream().anyMatch(m -> m.users().contains(user));
                        }
                        assertTrue(again || h.charAt(k + f) == 'D', user + " back on on-demand at " + (k + f) + ": " + h);
                        fallbacks += again ? 0 : 1;
                    }
                }
            }
        }
        long reclaimedNodes = r.cycles.stream().mapToLong(c -> c.reclaimed().size()).sum();
        System.out.println("every spot node reclaimed: " + reclaimedNodes + " nodes reclaimed, " + fallbacks
                + " fallbacks to on-demand");
        assertTrue(reclaimedNodes > 0 && fallbacks > 0, "spot users were placed, reclaimed and fell back");
    }
}
