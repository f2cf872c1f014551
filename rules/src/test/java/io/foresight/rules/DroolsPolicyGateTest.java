package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.ProposedChange;
import io.foresight.rules.policy.PolicyThresholds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DroolsPolicyGateTest {
    static final long WEDNESDAY_10H = 1795600800L; // 2026-11-25T10:00:00Z
    static final PriceBook P = PriceBook.DEFAULT;

    static ProposedChange change(String user, String team, Tier tier, Pattern pattern, ResourceVector cur, ResourceVector prop,
                                 boolean spot) {
        return new ProposedChange(user, team, tier, pattern, cur, prop, prop, "m@1", spot,
                P.costPerHour(prop, spot) - P.costPerHour(cur, false));
    }

    static PolicyContext ctx(Map<String, Double> spend) {
        return new PolicyContext("pool", WEDNESDAY_10H, spend, false);
    }

    @Test
    void bundledRulesCompileWithOneRulePerDecision() {
        List<String> names = PolicyRepository.bundled().current().ruleNames();
        assertTrue(names.containsAll(List.of("Clamp to tier maximum", "Raise to tier minimum", "Clamp to user maximum",
                "Raise to user minimum", "Limit step size", "Safety scale-up for flagged anomaly", "Deny change in freeze window",
                "Deny change during operator freeze", "Deny over team hourly budget", "Deny over team daily budget",
                "Deny spot for ineligible user", "Require approval above cost threshold", "Approve within policy",
                "Approve with adjustments", "Deny malformed proposal")), names.toString());
    }

    @Test
    void aPlanBreakingAHardLimitIsNeverApproved() {
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.bundled(), P);
        PolicyThresholds t = PolicyRepository.bundled().current().thresholds();
        Random rnd = new Random(11);
        List<ProposedChange> changes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Tier tier = Tier.values()[rnd.nextInt(Tier.values().length)];
            Pattern pat = Pattern.values()[rnd.nextInt(Pattern.values().length)];
            ResourceVector cur = t.tierMin(tier).max(ResourceVector.of(rnd.nextDouble() * 10, rnd.nextDouble() * 40,
                    rnd.nextDouble() * 300, rnd.nextDouble() * 300)).combine(t.tierMax(tier), Math::min);
            // the "predictor" proposes anything, up to 1000x the tier maximum and below zero
            double[] p = new double[Resource.COUNT];
            for (int r = 0; r < p.length; r++) {
                p[r] = switch (rnd.nextInt(5)) {
                    case 0 -> t.tierMax(tier).toArray()[r] * (1 + rnd.nextDouble() * 1000);
                    case 1 -> -rnd.nextDouble();
                    case 2 -> rnd.nextDouble() * t.tierMin(tier).toArray()[r];
                    default -> rnd.nextDouble() * t.tierMax(tier).toArray()[r];
                };
            }
            changes.add(change("u" + i, "team" + (i % 7), tier, pat, cur, ResourceVector.of(p), rnd.nextBoolean()));
        }
        List<PolicyDecision> ds = gate.check(ctx(Map.of()), changes, PolicyFacts.NONE);
        int adjusted = 0;
        for (int i = 0; i < ds.size(); i++) {
            PolicyDecision d = ds.get(i);
            ProposedChange c = changes.get(i);
            ResourceVector max = t.tierMax(c.tier());
            ResourceVector min = t.tierMin(c.tier());
            if (d.outcome() == DecisionOutcome.DENIED) {
                assertEquals(c.current(), d.allowed());
                assertEquals(0.0, d.costDeltaPerHour());
                continue;
            }
            for (Resource r : Resource.values()) {
                assertTrue(d.allowed().get(r) <= max.get(r) + 1e-9, d + " above max");
                assertTrue(d.allowed().get(r) >= min.get(r) - 1e-9, d + " below min");
                assertTrue(Math.abs(d.allowed().get(r) - c.current().get(r)) <= t.maxStep(r, c.current().get(r)) + 1e-9,
                        d + " beyond the step limit");
            }
            if (d.spot()) {
                assertTrue(t.spotAllowed(c.pattern(), c.tier()));
            }
            boolean brokeLimit = c.proposed().combine(max, (a, b) -> a > b ? 1 : 0).toArray()[0] > 0
                    || c.proposed().combine(max, (a, b) -> a > b ? 1 : 0).toArray()[1] > 0;
            if (brokeLimit) {
                assertNotEquals(DecisionOutcome.APPROVED, d.outcome(), d.toString());
                adjusted++;
            }
            assertFalse(d.firedRules().isEmpty());
        }
        assertTrue(adjusted > 100, "the test must exercise limit breaks: " + adjusted);
    }

    @Test
    void teamBudgetIsConsumedInOrderWithinOneCheck() {
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.bundled(), P);
        ResourceVector cur = ResourceVector.of(1, 2, 10, 10);
        ResourceVector prop = ResourceVector.of(3, 6, 10, 10); // +0.055 USD/h
        List<ProposedChange> cs = List.of(change("a", "research", Tier.STANDARD, Pattern.BATCH, cur, prop, false),
                change("b", "research", Tier.STANDARD, Pattern.BATCH, cur, prop, false),
                change("c", "other", Tier.STANDARD, Pattern.BATCH, cur, prop, false));
        List<PolicyDecision> ds = gate.check(ctx(Map.of("research", 4.9)), cs, PolicyFacts.NONE);
        assertEquals(DecisionOutcome.APPROVED, ds.get(0).outcome());
        assertEquals(DecisionOutcome.DENIED, ds.get(1).outcome());
        assertEquals(List.of("Deny over team hourly budget"), ds.get(1).firedRules());
        assertEquals(DecisionOutcome.APPROVED, ds.get(2).outcome());
        assertEquals(P.costPerHour(prop, false) - P.costPerHour(cur, false), ds.get(0).costDeltaPerHour(), 1e-12);
        assertEquals(0.0, ds.get(1).costDeltaPerHour());
    }

    @Test
    void anomalyPassesStepLimitButNotHardLimits() {
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.bundled(), P);
        ProposedChange c = change("x", "ops", Tier.STANDARD, Pattern.BATCH, ResourceVector.of(1, 2, 10, 10),
                ResourceVector.of(40, 2, 10, 10), false);
        PolicyDecision d = gate.check(ctx(Map.of()), List.of(c), new PolicyFacts(Set.of("x"), Map.of())).get(0);
        assertEquals(16, d.allowed().cpu(), 1e-9);
        assertEquals(List.of("Safety scale-up for flagged anomaly", "Clamp to tier maximum", "Approve with adjustments"),
                d.firedRules());
        PolicyDecision plain = gate.check(ctx(Map.of()), List.of(c)).get(0);
        assertEquals(3, plain.allowed().cpu(), 1e-9);
    }

    static Path copyOfBundled(Path dir) {
        PolicyRepository.exportBundled(dir);
        return dir;
    }

    @Test
    void aThrowingRuleIsNamedAndTheChangeKeepsItsAllocation(@TempDir Path dir) throws Exception {
        copyOfBundled(dir);
        Files.writeString(dir.resolve("broken-at-runtime.drl"), """
                package io.foresight.rules.policy;
                import io.foresight.core.model.ResourceVector;
                rule "Explode for user bomb"
                    salience 500
                when
                    $c : PolicyChange( user == "bomb", decided == false )
                then
                    // allowed calls can still fail at run time: a vector of the wrong size
                    $c.raiseTo(ResourceVector.of(new double[] {1.0}), "boom");
                end
                """);
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.fromDirectory(dir), P);
        ResourceVector cur = ResourceVector.of(1, 2, 10, 10);
        ResourceVector prop = ResourceVector.of(1.5, 2, 10, 10);
        List<PolicyDecision> ds = gate.check(ctx(Map.of()), List.of(change("bomb", "ops", Tier.STANDARD, Pattern.BATCH, cur, prop, false),
                change("fine", "ops", Tier.STANDARD, Pattern.BATCH, cur, prop, false)));
        PolicyDecision bomb = ds.get(0);
        assertEquals(DecisionOutcome.DENIED, bomb.outcome());
        assertEquals(cur, bomb.allowed());
        assertTrue(bomb.firedRules().contains("Explode for user bomb"), bomb.firedRules().toString());
        assertTrue(bomb.messages().get(0).contains("rule 'Explode for user bomb' failed") && bomb.messages().get(0).contains("expected 4 values"),
                bomb.messages().toString());
        assertEquals(DecisionOutcome.APPROVED, ds.get(1).outcome(), "the next change is decided normally");
    }

    @Test
    void changedFilesAreHotReloadedAndBadOnesRejectedWithFileAndLine(@TempDir Path dir) throws Exception {
        copyOfBundled(dir);
        PolicyRepository repo = PolicyRepository.fromDirectory(dir);
        DroolsPolicyGate gate = new DroolsPolicyGate(repo, P);
        ProposedChange c = change("u", "ops", Tier.STANDARD, Pattern.BATCH, ResourceVector.of(12, 32, 100, 100),
                ResourceVector.of(20, 32, 100, 100), false);
        assertEquals(16, gate.check(ctx(Map.of()), List.of(c)).get(0).allowed().cpu(), 1e-9);

        Path th = Files.walk(dir).filter(p -> p.getFileName().toString().equals("thresholds.json")).findFirst().orElseThrow();
        Files.writeString(th, Files.readString(th).replace("\"cpu\": 16,", "\"cpu\": 14,"));
        assertEquals(14, gate.check(ctx(Map.of()), List.of(c)).get(0).allowed().cpu(), 1e-9, "new threshold active");

        Path bad = dir.resolve("bad.drl");
        Files.writeString(bad, "package io.foresight.rules.policy;\n\nrule \"Broken\"\nwhen\n    $c : NoSuchFact( )\nthen\nend\n");
        PolicyDecision d = gate.check(ctx(Map.of()), List.of(c)).get(0);
        assertEquals(14, d.allowed().cpu(), 1e-9, "last good rules stay active");
        assertFalse(repo.lastRejected().isEmpty());
        RuleProblem p = repo.lastRejected().get(0);
        assertTrue(p.file().contains("bad.drl"), p.toString());
        assertEquals(5, p.line(), p.toString());

        Files.delete(bad);
        gate.check(ctx(Map.of()), List.of(c));
        assertTrue(repo.lastRejected().isEmpty(), "fixing the file clears the rejection");
    }

    @Test
    void invalidThresholdsAreRejectedWithTheReason(@TempDir Path dir) throws Exception {
        copyOfBundled(dir);
        Path th = Files.walk(dir).filter(p -> p.getFileName().toString().equals("thresholds.json")).findFirst().orElseThrow();
        Files.writeString(th, Files.readString(th).replace("\"cpu\": 16,", "\"cpu\": 0.01,"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyRepository.validate(dir));
        assertTrue(e.getMessage().contains("tiers.STANDARD") && e.getMessage().contains("min <= max"), e.getMessage());
        Files.writeString(th, "{\n  \"tiers\": {\n    oops\n}");
        e = assertThrows(PolicyLoadException.class, () -> PolicyRepository.validate(dir));
        assertEquals(3, e.problems().get(0).line(), e.getMessage());
    }

    @Test
    void decisionsAreIndependentOfRuleFileMtimeWhenContentIsSame(@TempDir Path dir) throws Exception {
        copyOfBundled(dir);
        PolicyRepository repo = PolicyRepository.fromDirectory(dir);
        PolicyRuleSet first = repo.current();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            }
        }
        assertFalse(repo.refresh(), "touching files without changing them does not rebuild");
        assertTrue(first == repo.current());
    }
}
