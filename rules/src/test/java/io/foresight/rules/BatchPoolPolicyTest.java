package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.ProposedChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch-cluster policy set (issue 17): which rules fire on a job burst, after it, and over budget. */
class BatchPoolPolicyTest {
    static final PriceBook P = PriceBook.DEFAULT;
    static final long WEDNESDAY_10H = 1795600800L;
    /** Built once: compiling a rule base takes a second or two on a loaded machine. */
    static final PolicyRepository BATCH = PolicyRepository.bundled(PoolKind.BATCH);
    static final PolicyRepository VM = PolicyRepository.bundled();

    static ResourceVector cpu(double c) {
        return ResourceVector.of(c, 0, 0, 0);
    }

    static ProposedChange change(String team, double current, double proposed, double forecastPeak) {
        return new ProposedChange("u", team, Tier.STANDARD, Pattern.BATCH, cpu(current), cpu(proposed), cpu(forecastPeak), "m", false,
                P.costPerHour(cpu(proposed), false) - P.costPerHour(cpu(current), false));
    }

    static PolicyDecision decide(PolicyRepository repo, ProposedChange c, Map<String, Double> teamCostPerHour) {
        return new DroolsPolicyGate(repo, P).check(new PolicyContext("lcg", WEDNESDAY_10H, teamCostPerHour, false), List.of(c)).get(0);
    }

    @Test
    void aJobBurstGoesToTheForecastInOneStep() {
        PolicyDecision d = decide(BATCH, change("ops", 0, 220, 200), Map.of());
        assertEquals(DecisionOutcome.APPROVED, d.outcome());
        assertEquals(List.of("Scale up to forecast beyond step", "Approve within policy"), d.firedRules());
        assertEquals(220, d.allowed().cpu(), 1e-9);
        assertTrue(d.messages().get(0).contains("forecast peak 200"), d.messages().toString());
    }

    @Test
    void onAVmFleetTheSameBurstIsStepLimited() {
        PolicyDecision d = decide(VM, change("ops", 0, 220, 200), Map.of());
        assertEquals(List.of("Limit step size", "Raise to tier minimum", "Approve with adjustments"), d.firedRules());
        assertEquals(2, d.allowed().cpu(), 1e-9);
    }

    @Test
    void aBurstTheForecastDoesNotBackStaysStepLimited() {
        PolicyDecision d = decide(BATCH, change("ops", 0, 220, 100), Map.of());
        assertEquals(List.of("Limit step size", "Approve with adjustments"), d.firedRules());
        assertEquals(16, d.allowed().cpu(), 1e-9, "minStep of the batch set");
        PolicyDecision unknown = decide(BATCH, change("ops", 0, 220, Double.NaN), Map.of());
        assertEquals(16, unknown.allowed().cpu(), 1e-9, "no forecast, no waiver");
    }

    @Test
    void afterTheBurstTheScaleDownIsStepLimitedCycleByCycle() {
        PolicyRepository repo = BATCH;
        double current = 220;
        List<Double> path = new ArrayList<>();
        for (int cycle = 0; cycle < 6 && current > 0; cycle++) {
            PolicyDecision d = decide(repo, change("ops", current, 0, 0), Map.of());
            if (current > 16) {
                assertEquals(List.of("Limit step size", "Approve with adjustments"), d.firedRules(), "cycle " + cycle);
            }
            current = d.allowed().cpu();
            path.add(current);
        }
        // 75 % of the allocation per step, at least 16 cores: 220 -> 55 -> 13.75 -> 0
        assertEquals(List.of(55.0, 13.75, 0.0), path);
    }

    @Test
    void aBurstOverTheTeamBudgetIsDenied() {
        PolicyDecision d = decide(BATCH, change("research", 0, 220, 200), Map.of("research", 7.0));
        assertEquals(DecisionOutcome.DENIED, d.outcome());
        assertEquals(List.of("Scale up to forecast beyond step", "Deny over team hourly budget"), d.firedRules());
        assertEquals(0, d.allowed().cpu(), 1e-9);
        assertEquals(0.0, d.costDeltaPerHour());
    }

    @Test
    void aVeryLargeBurstWaitsForApproval() {
        PolicyDecision d = decide(BATCH, change("ops", 0, 600, 500), Map.of());
        assertEquals(DecisionOutcome.WAITING_APPROVAL, d.outcome());
        assertEquals(List.of("Scale up to forecast beyond step", "Require approval above cost threshold"), d.firedRules());
    }

    @Test
    void eachRepositorySaysWhichThresholdsItUses(@TempDir Path dir) throws Exception {
        assertEquals(PoolKind.VM_FLEET, VM.kind());
        assertEquals(PoolKind.BATCH, BATCH.kind());
        assertTrue(VM.current().thresholdsSource().endsWith("/thresholds.json"));
        assertTrue(BATCH.current().thresholdsSource().endsWith("/thresholds-batch.json"));

        PolicyRepository.exportBundled(dir);
        Path batch = Files.walk(dir).filter(p -> p.getFileName().toString().equals("thresholds-batch.json")).findFirst().orElseThrow();
        Files.writeString(batch, Files.readString(batch).replace("\"approvalCostDeltaPerHour\": 10.0", "\"approvalCostDeltaPerHour\": 2.0"));
        PolicyRepository fromDir = PolicyRepository.fromDirectory(dir, PoolKind.BATCH);
        assertEquals(2.0, fromDir.current().thresholds().approvalCostDeltaPerHour());
        assertEquals(dir.relativize(batch).toString(), fromDir.current().thresholdsSource());
        assertEquals(1.0, fromDir.forKind(PoolKind.VM_FLEET).current().thresholds().approvalCostDeltaPerHour());

        Files.delete(batch);
        PolicyRepository fallback = PolicyRepository.fromDirectory(dir, PoolKind.BATCH);
        assertEquals("bundled thresholds-batch.json", fallback.current().thresholdsSource());
        assertEquals(10.0, fallback.current().thresholds().approvalCostDeltaPerHour());
    }

    @Test
    void rulesCheckValidatesTheBatchThresholdsToo(@TempDir Path dir) throws Exception {
        PolicyRepository.exportBundled(dir);
        Path batch = Files.walk(dir).filter(p -> p.getFileName().toString().equals("thresholds-batch.json")).findFirst().orElseThrow();
        Files.writeString(batch, Files.readString(batch).replace("\"maxAboveForecastPeak\": 0.5", "\"maxAboveForecastPeak\": -1"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyRepository.validate(dir));
        assertTrue(e.problems().get(0).file().endsWith("thresholds-batch.json") && e.getMessage().contains("maxAboveForecastPeak"),
                e.getMessage());
    }

    @Test
    void buildOutputAndHiddenFoldersAreNotReadAsPolicy(@TempDir Path dir) throws Exception {
        PolicyRepository.exportBundled(dir);
        // what `mvn` and git leave next to the rules: the same DRL again
        PolicyRepository.exportBundled(dir.resolve("target/classes"));
        PolicyRepository.exportBundled(dir.resolve(".git/old"));
        PolicyRuleSet rules = PolicyRepository.validate(dir);
        assertTrue(rules.files().stream().noneMatch(f -> f.startsWith("target") || f.startsWith(".git")), rules.files().toString());
        assertEquals(5, rules.files().size(), "four DRL files and thresholds.json: " + rules.files());
    }

    @Test
    void poolKindsParseFromConfiguration() {
        assertEquals(PoolKind.BATCH, PoolKind.parse("batch"));
        assertEquals(PoolKind.VM_FLEET, PoolKind.parse("VM_FLEET"));
        assertEquals(PoolKind.VM_FLEET, PoolKind.parse("vm-fleet"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolKind.parse("hpc"));
        assertTrue(e.getMessage().contains("vm-fleet") && e.getMessage().contains("batch"), e.getMessage());
    }
}
