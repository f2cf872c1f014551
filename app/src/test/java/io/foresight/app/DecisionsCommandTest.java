package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionsCommandTest {
    static DecisionRecord rec(String user, long cycle, DecisionOutcome o) {
        return new DecisionRecord("pool", cycle, 1795600800L + cycle * 300, user, ResourceVector.of(1, 2, 3, 4), "m@1",
                ResourceVector.of(1, 1, 1, 1), ResourceVector.of(2, 2, 2, 2), o, ResourceVector.of(2, 2, 2, 2), false,
                List.of("Rule " + cycle), List.of(), 0.05, AllocationMode.DRY_RUN, false);
    }

    @Test
    void showsFilteredTrail(@TempDir Path dir) {
        Path f = dir.resolve("d.jsonl");
        new DecisionLog(f).append(List.of(rec("alice", 1, DecisionOutcome.APPROVED), rec("bob", 1, DecisionOutcome.DENIED),
                rec("alice", 2, DecisionOutcome.ADJUSTED), rec("alice", 3, DecisionOutcome.WAITING_APPROVAL)));
        var r = RulesCommandTest.run("decisions", "--log", f.toString(), "--user", "alice", "--last", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Rule 2") && r.out().contains("Rule 3") && r.out().contains("waiting"), r.out());
        assertFalse(r.out().contains("Rule 1"));
        assertFalse(r.out().contains("bob"));
        assertTrue(r.out().contains("2 record(s)"));
    }

    @Test
    void missingLogIsAOneLineError(@TempDir Path dir) {
        var r = RulesCommandTest.run("decisions", "--log", dir.resolve("none.jsonl").toString());
        assertEquals(1, r.code());
    }
}
