package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.monitor.OutcomeMonitor;
import io.foresight.core.monitor.UserInterval;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutcomeLogTest {
    @TempDir
    Path dir;

    @Test
    void storesViolationsAndWasteAsTrainingSignal() throws Exception {
        OutcomeMonitor m = OutcomeMonitor.fiveMinute(PriceBook.DEFAULT);
        var rep = m.observe("p", 600, List.of(
                new UserInterval("a", Pattern.BATCH, ResourceVector.of(2, 1, Double.NaN, 0), ResourceVector.of(1, 4, 1, 1),
                        ResourceVector.of(1.5, 1, 0, 0), ResourceVector.of(1.8, 1, 0, 0), "m1", false),
                UserInterval.withoutForecast("b", Pattern.IDLE, ResourceVector.of(0.1, 0.5, 0, 0), ResourceVector.of(1, 1, 1, 1))));
        OutcomeLog log = new OutcomeLog(dir.resolve("outcomes.jsonl"));
        log.append(rep.outcomes());
        String text = Files.readString(log.file());
        assertFalse(text.contains("NaN"), "unobserved values are left out, not written as NaN: " + text);
        List<OutcomeLog.Entry> a = log.read("a", 0);
        assertEquals(1, a.size());
        OutcomeLog.Entry e = a.get(0);
        assertTrue(e.underProvisioned());
        assertEquals(0.5, e.shortfall().get("cpu"), 1e-12);
        assertEquals(0.75, e.slack().get("memory"), 1e-12);
        assertEquals(0.5, e.absError().get("cpu"), 1e-12);
        assertFalse(e.used().containsKey("network"));
        assertEquals("m1", e.model());
        assertEquals(Pattern.BATCH, e.pattern());
        assertEquals(2, log.read(null, 0).size());
        assertTrue(log.read(null, 601).isEmpty());
    }
}
