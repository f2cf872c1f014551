package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.rules.PolicyRepository;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's scripted policy author: each edit reaches the running repository, a broken file does not. */
class PolicyScenarioTest {
    @Test
    void editsAreHotReloadedAndABrokenFileIsRejectedWhileTheLastGoodRulesStay(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf);
        PolicyScenario s = PolicyScenario.prepare(dir.resolve("rules"), 30);
        PolicyRepository repo = PolicyRepository.fromDirectory(s.dir());
        assertEquals(PolicyScenario.APPROVAL_COST_DELTA_PER_HOUR, repo.current().thresholds().approvalCostDeltaPerHour(), 1e-12);
        assertEquals(PolicyScenario.TEAM_MAX_COST_PER_HOUR, repo.current().thresholds().teamMaxCostPerHour("default"), 1e-12);

        s.atCycle(10, repo, out); // a third in: lower the approval threshold
        assertTrue(repo.refresh(), "the edited thresholds are picked up");
        assertEquals(PolicyScenario.LOWERED_APPROVAL_COST_DELTA_PER_HOUR, repo.current().thresholds().approvalCostDeltaPerHour(), 1e-12);
        String good = repo.current().fingerprint();

        s.atCycle(20, repo, out); // two thirds in: a broken file appears
        assertFalse(repo.refresh(), "a broken rule set is not activated");
        assertEquals(good, repo.current().fingerprint(), "the last good rules stay active");
        assertFalse(repo.lastRejected().isEmpty());
        assertTrue(repo.lastRejected().get(0).toString().contains("half-written.drl"), repo.lastRejected().toString());

        s.atCycle(22, repo, out); // removed again
        assertFalse(Files.exists(s.dir().resolve("io/foresight/rules/policy/half-written.drl")));
        assertTrue(buf.toString().contains("rejected while the last good rules stayed active: "), buf.toString());
    }
}
