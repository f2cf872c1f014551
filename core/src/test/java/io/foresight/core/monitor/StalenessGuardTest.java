package io.foresight.core.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannedAllocation;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StalenessGuardTest {
    private final StalenessGuard guard = new StalenessGuard(300, 3);
    private final long now = 10_000;

    @Test
    void holdsUsersWithOverdueOrMissingSources() {
        Map<String, Map<String, Long>> seen = Map.of(
                "fresh", Map.of("cpu", now - 300, "memory", now - 900),
                "late", Map.of("cpu", now - 300, "memory", now - 1500),
                "silent", Map.of("cpu", now - 300));
        StalenessGuard.Report r = guard.check(now, seen, Set.of("cpu", "memory"));
        assertEquals(Set.of("late", "silent"), r.held());
        assertEquals(2, r.stale().size());
        assertEquals("silent", r.stale().get(0).user(), "never-seen sorts first");
        assertEquals(-1, r.stale().get(0).lastSeen());
        assertEquals(5.0, r.stale().get(1).ageIntervals(), 1e-12);
        assertEquals("memory", r.stale().get(1).source());
        assertFalse(r.mustHold("fresh"));
        assertTrue(r.summary().contains("2 of 3"));
    }

    @Test
    void exactlyKIntervalsOldIsStillFresh() {
        StalenessGuard.Report r = guard.check(now, Map.of("u", Map.of("cpu", now - 900)), Set.of());
        assertTrue(r.held().isEmpty());
    }

    @Test
    void heldUserKeepsScaleUpsButNotScaleDowns() {
        StalenessGuard.Report r = guard.check(now, Map.of("u", Map.of("cpu", 0L)), Set.of());
        PlannedAllocation p = new PlannedAllocation("u", now, ResourceVector.of(4, 8, 1, 1),
                ResourceVector.of(2, 10, 0.5, Double.NaN), ResourceVector.ZERO, "m", "cpu down; memory up");
        PlannedAllocation h = StalenessGuard.hold(p, r);
        assertEquals(ResourceVector.of(4, 10, 1, 1), h.target());
        assertTrue(h.reason().contains("stale"));
        PlannedAllocation other = new PlannedAllocation("v", now, ResourceVector.of(4, 8, 1, 1),
                ResourceVector.of(2, 8, 1, 1), ResourceVector.ZERO, "m", "cpu down");
        assertSame(other, StalenessGuard.hold(other, r), "fresh users pass untouched");
    }

    @Test
    void validatesConfig() {
        assertThrows(IllegalArgumentException.class, () -> new StalenessGuard(300, 0));
    }
}
