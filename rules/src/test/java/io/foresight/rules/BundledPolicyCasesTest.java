package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shipped policy author cases (rules/policy-tests/tests) against the bundled rules. */
class BundledPolicyCasesTest {
    @Test
    void everyShippedCasePasses() {
        List<PolicyTestRunner.CaseResult> results = new PolicyTestRunner(PolicyRepository.bundled(), PriceBook.DEFAULT)
                .runAll(Path.of("policy-tests/tests"));
        assertTrue(results.size() >= 14, "cases found: " + results.size());
        for (var r : results) {
            assertTrue(r.passed(), r.name() + ": " + r.failures());
        }
    }

    @Test
    void aWrongExpectationFailsWithTheDifference(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c.json"), """
                { "name": "wrong", "context": {"at": "2026-11-25T10:00:00Z"},
                  "change": {"user": "u", "tier": "STANDARD", "pattern": "BATCH",
                             "current": {"cpu":1,"memory":2,"network":10,"disk":10},
                             "proposed": {"cpu":8,"memory":2,"network":10,"disk":10}},
                  "expect": {"outcome": "APPROVED", "fired": ["Approve within policy"], "allowed": {"cpu": 8}} }
                """);
        var r = new PolicyTestRunner(PolicyRepository.bundled(), PriceBook.DEFAULT).runAll(dir);
        assertEquals(1, r.size());
        assertFalse(r.get(0).passed());
        assertEquals(3, r.get(0).failures().size(), r.get(0).failures().toString());
        assertTrue(r.get(0).failures().get(1).contains("Limit step size"));
    }
}
