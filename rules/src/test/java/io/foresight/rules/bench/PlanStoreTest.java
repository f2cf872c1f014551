package io.foresight.rules.bench;

import io.foresight.core.alloc.AllocationMode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanStoreTest {
    static List<DecisionRecord> records(int n) {
        List<DecisionRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            DecisionOutcome o = DecisionOutcome.values()[i % 4];
            out.add(new DecisionRecord("pool a", 5, 0, "u" + i, ResourceVector.of(1, 1, 1, 1), "m", ResourceVector.of(1, 1, 1, 1),
                    ResourceVector.of(2, 2, 2, 2), o, o == DecisionOutcome.DENIED ? ResourceVector.of(1, 1, 1, 1)
                    : ResourceVector.of(2, 2, 2, 2), false, List.of("r"), List.of(), 0.1, AllocationMode.ENFORCE, false));
        }
        return out;
    }

    @Test
    void referenceRoundTripsAndStaysSmall(@TempDir Path dir) throws Exception {
        PlanStore s = new PlanStore(dir);
        PlanReference small = s.save("pool a", 5, records(10));
        PlanReference big = s.save("pool a", 6, records(5000));
        assertEquals(records(10), s.load(small));
        assertEquals(5000, big.users());
        assertEquals(1250, big.waitingApproval());
        assertEquals(1250, big.denied());
        assertEquals(3750, big.changes());
        ObjectMapper m = new ObjectMapper();
        int a = m.writeValueAsBytes(small).length;
        int b = m.writeValueAsBytes(big).length;
        // only the digits of the counts grow: the largest possible reference bounds every one
        PlanReference worst = new PlanReference(big.pool(), Long.MAX_VALUE, big.planId() + "0".repeat(18), Integer.MAX_VALUE,
                Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, big.sha256());
        int bound = m.writeValueAsBytes(worst).length;
        assertTrue(a < b && b <= bound && bound < 400, a + " <= " + b + " <= " + bound);
        assertEquals(big, m.readValue(m.writeValueAsBytes(big), PlanReference.class));
    }

    @Test
    void rewrittenPlanIsDetected(@TempDir Path dir) throws Exception {
        PlanStore s = new PlanStore(dir);
        PlanReference r = s.save("p", 1, records(3));
        s.save("p", 1, records(4));
        var e = assertThrows(IllegalStateException.class, () -> s.load(r));
        assertTrue(e.getMessage().contains("digest"));
        assertTrue(Files.exists(dir.resolve("p/1.jsonl")));
    }
}
