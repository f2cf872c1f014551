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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rules that pass the linter but never finish: bounded by firings and by time, reported, rule named. */
class PolicyBudgetTest {
    static final PriceBook P = PriceBook.DEFAULT;
    static final ResourceVector CUR = ResourceVector.of(1, 2, 10, 10);
    static final ResourceVector PROP = ResourceVector.of(1.5, 2, 10, 10);

    /** Re-activates itself forever through update (allowed calls only: the linter cannot see a loop). */
    static final String LOOP = """
            package io.foresight.rules.policy;
            rule "Loop forever"
                salience 500
            when
                $c : PolicyChange( user == "loop", decided == false )
            then
                $c.message("again");
                update($c);
            end
            """;

    /** Same re-activation, with a condition that takes milliseconds each time it is evaluated. */
    static final String SLOW = """
            package io.foresight.rules.policy;
            rule "Slow condition"
                salience 500
            when
                $c : PolicyChange( user == "loop", decided == false )
                eval( String.format("%1000000s", $c.getUser()).length() > 0 )
            then
                update($c);
            end
            """;

    static ProposedChange change(String user) {
        return new ProposedChange(user, "ops", Tier.STANDARD, Pattern.BATCH, CUR, PROP, PROP, "m", false,
                P.costPerHour(PROP, false) - P.costPerHour(CUR, false));
    }

    static List<PolicyDecision> check(Path dir, String drl, DroolsPolicyGate.Budget budget) throws Exception {
        PolicyRepository.exportBundled(dir);
        Files.writeString(dir.resolve("loop.drl"), drl);
        assertTrue(PolicyLinter.lint(Map.of("loop.drl", drl)).isEmpty(), "the attack passes the linter");
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.fromDirectory(dir), P, budget);
        return gate.check(new PolicyContext("pool", 1795600800L, Map.of(), false), List.of(change("loop"), change("fine")));
    }

    @Test
    void anEndlessReactivationStopsAtTheFiringBudget(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        List<PolicyDecision> ds = check(dir, LOOP, DroolsPolicyGate.Budget.DEFAULT);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        PolicyDecision d = ds.get(0);
        assertEquals(DecisionOutcome.DENIED, d.outcome());
        assertEquals(CUR, d.allowed(), "safe default: the current allocation");
        assertTrue(d.firedRules().contains("Loop forever"), d.firedRules().toString());
        assertTrue(d.messages().get(d.messages().size() - 1).contains("rules fired 200 times without a verdict"), d.messages().toString());
        assertEquals(DecisionOutcome.APPROVED, ds.get(1).outcome(), "the next change is decided normally");
        assertTrue(ms < 30_000, "took " + ms + " ms");
    }

    @Test
    void anEndlessReactivationStopsAtTheTimeBudget(@TempDir Path dir) throws Exception {
        DroolsPolicyGate.Budget budget = new DroolsPolicyGate.Budget(Integer.MAX_VALUE, Duration.ofMillis(1000));
        long t0 = System.nanoTime();
        List<PolicyDecision> ds = check(dir, LOOP, budget);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        PolicyDecision d = ds.get(0);
        assertEquals(DecisionOutcome.DENIED, d.outcome());
        assertEquals(CUR, d.allowed());
        String why = d.messages().get(d.messages().size() - 1);
        assertTrue(why.contains("over the time budget of 1000 ms") && why.contains("Loop forever"), why);
        assertEquals(DecisionOutcome.APPROVED, ds.get(1).outcome(), "the session is rebuilt for the next change");
        assertTrue(ms < 20_000, "bounded in time: took " + ms + " ms");
    }

    @Test
    void aSlowConditionStopsAtTheTimeBudget(@TempDir Path dir) throws Exception {
        DroolsPolicyGate.Budget budget = new DroolsPolicyGate.Budget(Integer.MAX_VALUE, Duration.ofMillis(1000));
        List<PolicyDecision> ds = check(dir, SLOW, budget);
        PolicyDecision d = ds.get(0);
        assertEquals(DecisionOutcome.DENIED, d.outcome());
        String why = d.messages().get(d.messages().size() - 1);
        assertTrue(why.contains("over the time budget") && why.contains("Slow condition"), why);
        assertEquals(DecisionOutcome.APPROVED, ds.get(1).outcome());
    }

    @Test
    void theTimeBudgetComesFromTheEnvironment() {
        assertEquals(Duration.ofMillis(750), DroolsPolicyGate.Budget.configured(Map.of(DroolsPolicyGate.Budget.TIME_ENV, "750")).time());
        assertEquals(DroolsPolicyGate.Budget.DEFAULT, DroolsPolicyGate.Budget.configured(Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DroolsPolicyGate.Budget.configured(Map.of(DroolsPolicyGate.Budget.TIME_ENV, "soon")));
        assertTrue(e.getMessage().contains(DroolsPolicyGate.Budget.TIME_ENV) && e.getMessage().contains("milliseconds"), e.getMessage());
    }
}
