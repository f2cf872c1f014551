package io.foresight.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.DecisionOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionLogTest {
    static DecisionRecord rec(String user, long cycle) {
        return new DecisionRecord("pool", cycle, 1000 + cycle, user, ResourceVector.of(1, 2, Double.NaN, 4), "m@3",
                ResourceVector.of(1, 1, 1, 1), ResourceVector.of(2, 2, 2, 2), DecisionOutcome.ADJUSTED,
                ResourceVector.of(1.5, 2, 2, 2), false, List.of("Limit step size"), List.of("cpu limited"), 0.01,
                AllocationMode.ENFORCE, true);
    }

    @Test
    void roundTripsAndFilters(@TempDir Path dir) {
        DecisionLog log = new DecisionLog(dir.resolve("audit/decisions.jsonl"));
        log.append(List.of(rec("a", 1), rec("b", 1)));
        log.append(List.of(rec("a", 2), rec("a", 3)));
        List<DecisionRecord> all = log.readAll();
        assertEquals(4, all.size());
        assertEquals(rec("a", 1), all.get(0), "NaN and every field survive");
        List<DecisionRecord> a2 = log.read("a", 2);
        assertEquals(List.of(rec("a", 2), rec("a", 3)), a2);
        assertEquals(1, log.read("b", 0).size());
    }

    @Test
    void tornLastLineIsSkippedOtherBadLinesAreErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        DecisionLog log = new DecisionLog(f);
        log.append(List.of(rec("a", 1)));
        Files.writeString(f, "{\"pool\":\"po", StandardOpenOption.APPEND);
        assertEquals(1, log.readAll().size());
        Files.writeString(f, "\n" + DecisionLog.toJson(rec("a", 2)) + "\n", StandardOpenOption.APPEND);
        var e = assertThrows(IllegalStateException.class, log::readAll);
        assertTrue(e.getMessage().contains(f + ":2"), e.getMessage());
    }

    @Test
    void missingFileReadsEmpty(@TempDir Path dir) {
        assertTrue(new DecisionLog(dir.resolve("none.jsonl")).readAll().isEmpty());
    }
}
