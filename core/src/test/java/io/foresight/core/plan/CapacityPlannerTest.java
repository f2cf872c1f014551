package io.foresight.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyDecision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapacityPlannerTest {
    final InstanceCatalog catalog = InstanceCatalog.bundled();
    final CapacityPlanner planner = new CapacityPlanner(catalog);

    static CapacityPlanner.Demand d(String u, double cpu, double mem, boolean spot) {
        return new CapacityPlanner.Demand(u, ResourceVector.of(cpu, mem, 0, 0), spot);
    }

    @Test
    void bundledCatalogHasRealTypes() {
        InstanceType m = catalog.type("m6i.xlarge").orElseThrow();
        assertEquals(4, m.vcpu());
        assertEquals(16, m.memoryGiB());
        assertEquals(0.192, m.onDemandHourly(), 1e-9);
        assertTrue(m.spotHourly() < m.onDemandHourly());
    }

    @Test
    void everyUserIsPlacedAndNoNodeIsOverfull() {
        List<CapacityPlanner.Demand> ds = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 200; i++) {
            ds.add(d("u" + i, 0.25 + rnd.nextDouble() * 3, 0.5 + rnd.nextDouble() * 12, i % 3 == 0));
        }
        CapacityPlanner.Plan p = planner.plan(ds);
        assertTrue(p.unplaced().isEmpty());
        int placed = 0;
        double cost = 0;
        for (CapacityPlanner.Node n : p.nodes()) {
            InstanceType t = catalog.type(n.type()).orElseThrow();
            assertTrue(t.fits(n.cpuUsed(), n.memoryUsed()), n.toString());
            placed += n.users().size();
            cost += t.hourly(n.spot());
        }
        assertEquals(200, placed);
        assertEquals(cost, p.costPerHour(), 1e-9);
        // packing is reasonably tight: total capacity under 1.5x the demand on the binding dimension
        double cpu = ds.stream().mapToDouble(x -> x.allocation().cpu()).sum();
        double mem = ds.stream().mapToDouble(x -> x.allocation().memory()).sum();
        double capC = p.nodes().stream().mapToDouble(n -> catalog.type(n.type()).orElseThrow().vcpu()).sum();
        double capM = p.nodes().stream().mapToDouble(n -> catalog.type(n.type()).orElseThrow().memoryGiB()).sum();
        assertTrue(Math.min(capC / cpu, capM / mem) < 1.5, "capacity/demand cpu " + capC / cpu + " mem " + capM / mem);
    }

    @Test
    void onlySpotEligibleUsersLandOnSpot() {
        CapacityPlanner.Plan p = planner.plan(List.of(d("batch", 2, 4, true), d("svc", 2, 4, false)));
        assertTrue(p.nodeOf("batch").spot());
        assertFalse(p.nodeOf("svc").spot());
    }

    @Test
    void spotEligibilityNeedsPatternProfileAndPolicy() {
        UserProfile batch = new UserProfile("a", "t", Tier.STANDARD, Pattern.BATCH, 0.9, true, ResourceVector.ZERO, 1, 0);
        UserProfile svc = new UserProfile("b", "t", Tier.STANDARD, Pattern.STEADY_SERVICE, 0.9, true, ResourceVector.ZERO, 1, 0);
        PolicyDecision spotOk = new PolicyDecision("a", DecisionOutcome.APPROVED, ResourceVector.of(1, 1, 0, 0), true,
                List.of(), List.of(), 0);
        PolicyDecision spotDenied = new PolicyDecision("a", DecisionOutcome.ADJUSTED, ResourceVector.of(1, 1, 0, 0), false,
                List.of(), List.of(), 0);
        assertTrue(CapacityPlanner.Demand.of(batch, spotOk).spotEligible());
        assertFalse(CapacityPlanner.Demand.of(batch, spotDenied).spotEligible());
        assertFalse(CapacityPlanner.Demand.of(svc, spotOk).spotEligible(), "steady service is not interruptible");
    }

    @Test
    void nodesAreShrunkToTheCheapestFittingType() {
        CapacityPlanner.Plan p = planner.plan(List.of(d("small", 1, 2, false)));
        assertEquals(Map.of("m6i.large/on-demand", 1), p.counts());
        assertEquals(0.096, p.costPerHour(), 1e-9);
    }

    @Test
    void tooLargeUserIsReportedNotDropped() {
        CapacityPlanner.Plan p = planner.plan(List.of(d("huge", 96, 8, false), d("ok", 1, 1, false)));
        assertTrue(p.unplaced().get("huge").contains("largest instance type"));
        assertNull(p.nodeOf("huge"));
        assertTrue(p.nodeOf("ok") != null);
    }

    @Test
    void interruptionMovesSpotUsersToOnDemandAndKeepsOthers() {
        List<CapacityPlanner.Demand> ds = List.of(d("b1", 2, 4, true), d("b2", 2, 4, true), d("s1", 1, 2, false));
        CapacityPlanner.Plan p = planner.plan(ds);
        CapacityPlanner.Node spotNode = p.nodeOf("b1");
        assertTrue(spotNode.spot());
        Map<String, ResourceVector> alloc = new HashMap<>();
        ds.forEach(x -> alloc.put(x.user(), x.allocation()));
        CapacityPlanner.Plan q = planner.replan(p, new CapacityPlanner.SpotInterruption(100, List.of(spotNode.id()), null), alloc);
        for (String u : spotNode.users()) {
            assertFalse(q.nodeOf(u).spot(), u + " must be on on-demand now");
        }
        assertEquals(p.nodeOf("s1").id(), q.nodeOf("s1").id(), "unaffected nodes stay");
        assertTrue(q.nodes().stream().noneMatch(n -> n.id().equals(spotNode.id())));
        // ids stay unique
        assertEquals(q.nodes().size(), q.nodes().stream().map(CapacityPlanner.Node::id).distinct().count());
    }

    @Test
    void lostSpotTypeIsAvoidedInTheNextPlan() {
        CapacityPlanner.Plan p = planner.plan(List.of(d("b", 1, 2, true)), Set.of("m6i.large"));
        assertTrue(p.nodeOf("b").spot());
        assertFalse(p.nodeOf("b").type().equals("m6i.large"));
    }

    @Test
    void simulatedClusterInterruptionsMapToNodes() {
        List<CapacityPlanner.Demand> ds = List.of(d("b1", 2, 4, true), d("b2", 8, 30, true), d("s", 1, 1, false));
        CapacityPlanner.Plan p = planner.plan(ds);
        CapacityPlanner.SpotInterruption ev = CapacityPlanner.SpotInterruption.ofUsers(p, List.of("b2", "s"), 5);
        assertEquals(List.of(p.nodeOf("b2").id()), ev.nodeIds(), "on-demand nodes are never interrupted");
        Map<String, ResourceVector> alloc = new HashMap<>();
        ds.forEach(x -> alloc.put(x.user(), x.allocation()));
        CapacityPlanner.Plan q = planner.replan(p, ev, alloc);
        assertFalse(q.nodeOf("b2").spot());
        assertTrue(q.costPerHour() > p.costPerHour(), "on-demand costs more than the lost spot node");
    }
}
