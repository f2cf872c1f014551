package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.ProposedChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate checks a pool's teams on several threads only where that changes nothing: on a pool of several teams whose
 * tight budgets make a team's decisions depend on the order of its changes, the split check's decisions (outcome,
 * allocation, rules fired, messages, cost) and their order equal the one-session check's; rules that read state shared
 * across teams are found and keep the check on one session.
 */
class PolicySplitParityTest {
    static final PriceBook P = PriceBook.DEFAULT;
    /** Monday 2026-12-07 10:00 UTC: outside the bundled Sunday freeze window. */
    static final long AT = 1796637600L;

    /** Tight budgets: each team can take a few increases, the rest are denied by the hourly or daily budget. */
    static final String THRESHOLDS = """
            {
              "tiers": {
                "PREMIUM":     { "min": { "cpu": 1.0, "memory": 2.0, "network": 10, "disk": 10 },
                                 "max": { "cpu": 64, "memory": 256, "network": 2000, "disk": 2000 } },
                "STANDARD":    { "min": { "cpu": 0.025, "memory": 0.25, "network": 1, "disk": 1 },
                                 "max": { "cpu": 16, "memory": 64, "network": 500, "disk": 500 } },
                "BEST_EFFORT": { "min": { "cpu": 0.0, "memory": 0.0, "network": 0, "disk": 0 },
                                 "max": { "cpu": 4, "memory": 16, "network": 100, "disk": 100 } }
              },
              "users": { "u7": { "max": { "cpu": 2, "memory": 8 } } },
              "teams": {
                "t0": { "maxCostPerHour": 3.0, "maxCostPerDay": 400.0 },
                "t1": { "maxCostPerHour": 50.0, "maxCostPerDay": 30.0 },
                "t2": { "maxCostPerHour": 1.5, "maxCostPerDay": 400.0 }
              },
              "defaultTeam": { "maxCostPerHour": 4.0, "maxCostPerDay": 80.0 },
              "maxStepFraction": 0.5,
              "minStep": { "cpu": 0.5, "memory": 1, "network": 10, "disk": 10 },
              "approvalCostDeltaPerHour": 0.03,
              "freezeWindows": [],
              "spotPatterns": ["BATCH", "IDLE"],
              "spotTiers": ["STANDARD", "BEST_EFFORT"]
            }
            """;

    /** 600 changes of 9 teams, interleaved, some scale-downs, malformed and anomalous ones, spot requests. */
    static List<ProposedChange> pool(long seed) {
        Random r = new Random(seed);
        List<ProposedChange> out = new ArrayList<>();
        Tier[] tiers = Tier.values();
        Pattern[] patterns = Pattern.values();
        for (int i = 0; i < 600; i++) {
            String team = "t" + r.nextInt(9);
            ResourceVector cur = ResourceVector.of(0.5 + r.nextInt(8) * 0.5, 1 + r.nextInt(16), 10 + r.nextInt(50), 10 + r.nextInt(50));
            double f = r.nextDouble() < 0.25 ? 0.4 + r.nextDouble() * 0.5 : 1.1 + r.nextDouble() * 2.5;
            ResourceVector prop = ResourceVector.of(cur.cpu() * f, cur.memory() * f, cur.network(), cur.disk());
            if (i % 97 == 13) {
                prop = ResourceVector.of(Double.NaN, cur.memory(), cur.network(), cur.disk());
            }
            boolean spot = r.nextDouble() < 0.2;
            double delta = P.costPerHour(prop, spot) - P.costPerHour(cur, false);
            out.add(new ProposedChange("u" + i, team, tiers[r.nextInt(tiers.length)], patterns[r.nextInt(patterns.length)], cur, prop,
                    prop, "m", spot, Double.isNaN(delta) ? 0 : delta));
        }
        return out;
    }

    static DroolsPolicyGate gate(Path dir, Map<String, String> extraRules) throws Exception {
        PolicyRepository.exportBundled(dir);
        Files.writeString(dir.resolve("thresholds.json"), THRESHOLDS);
        for (var e : extraRules.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        return new DroolsPolicyGate(PolicyRepository.fromDirectory(dir), P, DroolsPolicyGate.Budget.DEFAULT, 4);
    }

    static PolicyContext context() {
        Map<String, Double> perHour = new TreeMap<>();
        for (int t = 0; t < 9; t++) {
            perHour.put("t" + t, 0.3 * t);
        }
        return new PolicyContext("pool", AT, perHour, false);
    }

    static PolicyFacts facts() {
        return new PolicyFacts(Set.of("u3", "u50", "u51", "u400"), Map.of("t1", 12.0, "t4", 70.0));
    }

    /** Equal decisions in the same order, down to their text (the audit trail writes it). */
    static void assertSameDecisions(List<PolicyDecision> expected, List<PolicyDecision> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "change " + i);
            assertEquals(expected.get(i).toString(), actual.get(i).toString(), "change " + i);
        }
    }

    @Test
    void theBundledRulesAreTeamLocal() {
        for (PoolKind kind : PoolKind.values()) {
            PolicyRuleSet rules = PolicyRepository.bundled(kind).current();
            assertTrue(rules.teamLocal(), kind + ": " + rules.poolWideRules());
        }
    }

    @Test
    void theSplitCheckDecidesExactlyAsOneSessionOnAPoolWhoseBudgetsMakeOrderMatter(@TempDir Path dir) throws Exception {
        DroolsPolicyGate split = gate(dir, Map.of());
        DroolsPolicyGate one = split.withThreads(1);
        for (long seed = 1; seed <= 3; seed++) {
            List<ProposedChange> changes = pool(seed);
            PolicyRuleSet rules = PolicyRepository.fromDirectory(dir).current();
            assertEquals(4, split.lanes(rules, changes.size(), DroolsPolicyGate.byTeam(changes).size()), "the check is split");
            List<PolicyDecision> a = one.check(context(), changes, facts());
            List<PolicyDecision> b = split.check(context(), changes, facts());
            assertSameDecisions(a, b);
            // the pool is one where the order inside a team matters: budgets deny some increases and approve others
            Map<String, Integer> outcomes = new HashMap<>();
            a.forEach(d -> outcomes.merge(d.outcome() + (d.messages().stream().anyMatch(m -> m.contains("budget")) ? " budget" : ""),
                    1, Integer::sum));
            assertTrue(outcomes.getOrDefault("DENIED budget", 0) > 20, outcomes.toString());
            assertTrue(outcomes.getOrDefault("APPROVED", 0) + outcomes.getOrDefault("ADJUSTED", 0) > 20, outcomes.toString());
            assertTrue(outcomes.getOrDefault("WAITING_APPROVAL", 0) > 0, outcomes.toString());
            // and a check that took a team's changes in another order would decide differently: the test would see it
            List<ProposedChange> reordered = new ArrayList<>(changes);
            Map<String, Integer> budgetDenials = new HashMap<>();
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).messages().stream().anyMatch(m -> m.contains("budget"))) {
                    budgetDenials.merge(changes.get(i).team(), 1, Integer::sum);
                }
            }
            String team = budgetDenials.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            List<Integer> t0 = DroolsPolicyGate.byTeam(changes).get(team);
            for (int k = 0; k < t0.size(); k++) {
                reordered.set(t0.get(k), changes.get(t0.get(t0.size() - 1 - k)));
            }
            List<PolicyDecision> c = one.check(context(), reordered, facts());
            Map<String, PolicyDecision> byUser = new HashMap<>();
            c.forEach(d -> byUser.put(d.user(), d));
            assertFalse(a.stream().allMatch(d -> d.equals(byUser.get(d.user()))), "seed " + seed + ": order inside team " + team + " matters");
        }
    }

    @Test
    void aRuleOnTheWholePoolsSpendKeepsTheCheckOnOneSession(@TempDir Path dir) throws Exception {
        // reads every team's spend: once any team runs above 2.5 USD/h, no team may grow; which changes come before
        // that moment depends on the order across teams, so a split check could decide differently
        String poolBudget = """
                package io.foresight.rules.policy;
                rule "Hold the pool while a team runs hot"
                    salience 45
                when
                    $c : PolicyChange( decided == false, costDeltaPerHour > 0 )
                    exists TeamSpend( perHour > 2.5 )
                then
                    $c.deny("a team of the pool runs above 2.5 USD/h");
                    update($c);
                end
                """;
        DroolsPolicyGate gate = gate(dir, Map.of("pool.drl", poolBudget));
        PolicyRuleSet rules = PolicyRepository.fromDirectory(dir).current();
        assertFalse(rules.teamLocal());
        assertTrue(rules.poolWideRules().get(0).contains("Hold the pool while a team runs hot")
                && rules.poolWideRules().get(0).contains("without 'team == $c.team'"), rules.poolWideRules().toString());
        List<ProposedChange> changes = pool(7);
        assertEquals(1, gate.lanes(rules, changes.size(), 9), "not split");
        List<PolicyDecision> a = gate.check(context(), changes, facts());
        assertSameDecisions(a, gate.withThreads(1).check(context(), changes, facts()));
        assertTrue(a.stream().anyMatch(d -> d.firedRules().contains("Hold the pool while a team runs hot")), "the pool rule decides");
    }

    @Test
    void whatMakesARulePoolWideAndWhatDoesNot() {
        String head = "package io.foresight.rules.policy;\n";
        Map<String, Boolean> cases = new java.util.LinkedHashMap<>();
        // team-local: the spend pinned to the change's team, however written, wherever the pattern is
        cases.put("rule \"a\" when $c : PolicyChange( decided == false ) $s : TeamSpend( perHour > 1, team == $c.team ) "
                + "then $c.deny(\"x\"); update($c); end", true);
        cases.put("rule \"b\" when $c : PolicyChange( decided == false ) not TeamSpend( $c.getTeam() == team && today > 5 ) "
                + "then $c.approve(); update($c); end", true);
        cases.put("rule \"c\" salience 5 no-loop when $c : PolicyChange( decided == false ) AnomalyFlag() "
                + "then modify($c) { approve() } end", true);
        // pool-wide: another team's spend, all teams' spend, no change matched, facts that outlive the change, agenda state
        cases.put("rule \"d\" when $c : PolicyChange( decided == false ) TeamSpend( team == \"research\", perHour > 1 ) "
                + "then $c.deny(\"x\"); update($c); end", false);
        cases.put("rule \"e\" when $c : PolicyChange( decided == false ) $n : Number( intValue > 3 ) from accumulate( "
                + "TeamSpend( perHour > 1 ), count( 1 ) ) then $c.deny(\"x\"); update($c); end", false);
        cases.put("rule \"f\" when $s : TeamSpend( perHour > 100 ) then end", false);
        cases.put("rule \"g\" when $c : PolicyChange( decided == false ) then insert(new AnomalyFlag($c.getUser())); end", false);
        cases.put("rule \"h\" when $c : PolicyChange( decided == false ) $s : TeamSpend( team == $c.team ) then update($s); end", false);
        cases.put("rule \"i\" lock-on-active when $c : PolicyChange( decided == false ) then $c.approve(); update($c); end", false);
        cases.put("rule \"j\" when $c : PolicyChange( decided == false ) TeamSpend( team == $c.team || perHour > 3 ) "
                + "then $c.approve(); update($c); end", false);
        for (var e : cases.entrySet()) {
            List<String> why = TeamLocality.poolWide(Map.of("x.drl", head + e.getKey()));
            assertEquals(e.getValue(), why.isEmpty(), e.getKey() + " -> " + why);
            if (!e.getValue()) {
                assertNotEquals("", why.get(0));
            }
        }
    }

    @Test
    void aDecisionOfTheSplitCheckIsDeniedSafelyWhenARuleThrows(@TempDir Path dir) throws Exception {
        // a rule that throws for one user of one team: that change is denied naming the rule, the lane rebuilds its session
        // and every other decision is the one-session check's
        String boom = """
                package io.foresight.rules.policy;
                rule "Throws for u42"
                    salience 200
                when
                    $c : PolicyChange( decided == false, user == "u42" )
                then
                    $c.raiseTo(null, "boom");
                    update($c);
                end
                """;
        DroolsPolicyGate split = gate(dir, Map.of("boom.drl", boom));
        List<ProposedChange> changes = pool(11);
        List<PolicyDecision> a = split.withThreads(1).check(context(), changes, facts());
        List<PolicyDecision> b = split.check(context(), changes, facts());
        assertSameDecisions(a, b);
        assertEquals(DecisionOutcome.DENIED, b.get(42).outcome());
        assertTrue(b.get(42).messages().get(b.get(42).messages().size() - 1).contains("Throws for u42"), b.get(42).messages().toString());
    }
}
