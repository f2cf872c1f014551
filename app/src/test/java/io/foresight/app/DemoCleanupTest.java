package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.AnomalyLog;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13: the demo deleted every pool's audit log before its run; it must remove only its own pool's records. */
class DemoCleanupTest {
    @TempDir
    Path state;

    static DecisionRecord decision(String pool, String user) {
        ResourceVector v = ResourceVector.of(1, 2, 0, 0);
        return new DecisionRecord(pool, 3, 1_000, user, v, "m", v, v, DecisionOutcome.APPROVED, v, false,
                List.of("max-step-up"), List.of(), 0, AllocationMode.ENFORCE, true);
    }

    @Test
    void aDemoRunRemovesOnlyItsOwnPoolsDecisionsAnomaliesAndFolders() throws Exception {
        DecisionLog decisions = new DecisionLog(state.resolve(ControlLoopActivitiesImpl.DECISION_LOG));
        decisions.append(List.of(decision("prod", "p1"), decision("demo", "d1"), decision("prod", "p2"), decision("demo", "d2")));
        AnomalyLog anomalies = new AnomalyLog(state.resolve(ControlLoopActivitiesImpl.ANOMALY_LOG));
        Anomaly mine = new Anomaly("d1", Resource.CPU, 1_000, 3, Anomaly.Kind.SPIKE, 9, 1, 2, 5, "cpu spike");
        Anomaly theirs = new Anomaly("p1", Resource.CPU, 1_000, 3, Anomaly.Kind.SPIKE, 9, 1, 2, 5, "cpu spike");
        anomalies.append(List.of(mine, theirs));
        for (String pool : List.of("demo", "prod")) {
            Files.createDirectories(state.resolve("pools").resolve(pool).resolve("cycles"));
            Files.writeString(state.resolve("pools").resolve(pool).resolve("cycles").resolve("x.json"), "{}");
            Files.createDirectories(state.resolve("cluster").resolve(pool));
        }

        DemoCommand.cleanPoolState(state, "demo", List.of("d1", "d2"));

        assertEquals(List.of("p1", "p2"), decisions.readAll().stream().map(DecisionRecord::user).toList(),
                "the other pool's decisions stay, in order");
        assertEquals(List.of("p1"), anomalies.read(null, Long.MIN_VALUE).stream().map(Anomaly::user).toList());
        assertFalse(Files.exists(state.resolve("pools/demo")));
        assertFalse(Files.exists(state.resolve("cluster/demo")));
        assertTrue(Files.exists(state.resolve("pools/prod/cycles/x.json")));
        assertTrue(Files.isDirectory(state.resolve("cluster/prod")));
        assertEquals(Map.of("max-step-up", 2), PolicyScenario.ruleCounts(decisions.file(), "prod"),
                "the demo's counts read its own pool only");
    }
}
