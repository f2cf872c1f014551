package io.foresight.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DRL is data, not code: the attacks of issue 13, each refused with file and line. */
class PolicyLinterTest {
    static final PriceBook P = PriceBook.DEFAULT;

    /** A rule that matches user "evil" and runs {@code action} as its consequence (consequence on line 7). */
    static String evilRule(String imports, String action) {
        return "package io.foresight.rules.policy;\n"
                + imports + "\n"
                + "rule \"Evil\"\n"
                + "    salience 500\n"
                + "when\n"
                + "    $c : PolicyChange( user == \"evil\", decided == false )\n"
                + "then\n"
                + action + "\n"
                + "end\n";
    }

    @Test
    void theBundledRulesPass() {
        assertEquals(List.of(), PolicyLinter.lint(PolicyRepository.bundledSources().drls()));
    }

    static Stream<Arguments> attacks() {
        return Stream.of(
                Arguments.of("runtime exec", "", "    Runtime.getRuntime().exec(\"touch /tmp/pwned\");", 8, "'Runtime' is not allowed"),
                Arguments.of("qualified runtime", "", "    java.lang.Runtime.getRuntime().halt(1);", 8, "java.lang.Runtime is not allowed"),
                Arguments.of("system exit", "", "    System.exit(1);", 8, "'System' is not allowed"),
                Arguments.of("import java.io.File", "import java.io.File;", "    $c.approve();\n    update($c);", 2,
                        "import java.io.File is not allowed"),
                Arguments.of("new File", "", "    new java.io.File(\"/tmp/x\").delete();", 8, "new java.io.File is not allowed"),
                Arguments.of("process builder", "", "    new ProcessBuilder(\"sh\").start();", 8, "new ProcessBuilder is not allowed"),
                Arguments.of("thread", "", "    new Thread(() -> {}).start();", 8, "new Thread is not allowed"),
                Arguments.of("reflection", "", "    $c.getClass().getClassLoader();", 8, "getClass(...) is not allowed"),
                Arguments.of("class for name", "", "    Class.forName(\"java.lang.Runtime\");", 8, "'Class' is not allowed"),
                Arguments.of("while loop", "", "    $c.approve();\n    while (true) { update($c); }", 9,
                        "'while' statements are not allowed"),
                Arguments.of("for loop", "", "    for (int i = 0; i < 10; i++) { $c.approve(); }", 8, "'for' statements are not allowed"),
                Arguments.of("engine access", "", "    drools.getKieRuntime().halt();", 8, "drools is not allowed"),
                Arguments.of("nio", "", "    java.nio.file.Files.delete(java.nio.file.Path.of(\"/etc/passwd\"));", 8,
                        "java.nio.file.Files is not allowed"),
                Arguments.of("unicode newline ending a comment", "", "    $c.approve(); // \\u000a Runtime.getRuntime().exec(\"id\");",
                        8, "unicode escapes (\\u000a) are not allowed"),
                Arguments.of("unicode quote ending a string", "",
                        "    $c.message(\"\\u0022); Runtime.getRuntime().exec(\"id\"); $c.message(\\u0022\");", 8,
                        "unicode escapes (\\u0022) are not allowed"),
                Arguments.of("gate bookkeeping", "", "    $c.approve();\n    update($c);\n    $c.getMessages().clear();", 10,
                        "calling clear(...) on a List is not allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void rulesCheckRefusesTheAttackWithFileAndLine(String name, String imports, String action, int line, String message,
                                                   @TempDir Path dir) throws Exception {
        PolicyRepository.exportBundled(dir);
        Files.writeString(dir.resolve("evil.drl"), evilRule(imports, action));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyRepository.validate(dir));
        RuleProblem p = e.problems().stream().filter(x -> x.message().contains(message)).findFirst()
                .orElseThrow(() -> new AssertionError("no problem says '" + message + "': " + e.problems()));
        assertEquals("evil.drl", p.file());
        assertEquals(line, p.line(), p.toString());
        assertTrue(p.toString().startsWith("evil.drl:" + line + ": "), p.toString());
    }

    @Test
    void globalsFunctionsDeclarationsAndDynamicSalienceAreRefused() {
        String drl = """
                package io.foresight.rules.policy;
                global java.util.List leak;
                function void run() { }
                declare Helper
                    x : int
                end
                rule "Dynamic"
                    salience ($c.getCostDeltaPerHour())
                    timer (int: 1s)
                when
                    $c : PolicyChange( )
                    String( ) from $c.getUser()
                then
                    $c.approve();
                end
                """;
        List<RuleProblem> ps = PolicyLinter.lintFile("x.drl", drl);
        String all = ps.toString();
        assertTrue(all.contains("x.drl:2: global leak is not allowed"), all);
        assertTrue(all.contains("x.drl:3: function run is not allowed"), all);
        assertTrue(all.contains("x.drl:4: declare Helper is not allowed"), all);
        assertTrue(all.contains("salience must be a whole number"), all);
        assertTrue(all.contains("attribute 'timer' is not allowed"), all);
        assertTrue(all.contains("x.drl:12: rule \"Dynamic\": String is not an allowed fact type"), all);
    }

    @Test
    void whatPolicyAuthorsNeedIsAccepted() {
        String drl = """
                package io.foresight.rules.policy;
                import io.foresight.core.model.ResourceVector;
                import io.foresight.core.model.Tier;

                rule "Cap premium burst"
                    salience 75
                    no-loop true
                when
                    $t : PolicyThresholds()
                    $c : PolicyChange( decided == false, tier == Tier.PREMIUM, $u : user, costDeltaPerHour > 0 )
                    not AnomalyFlag( user == $u )
                    eval( Math.max($c.getProposed().cpu(), 0) > 2 * $t.tierMin($c.getTier()).cpu() )
                then
                    double cap = Math.min($c.getProposed().cpu(), 32.0);
                    String why = String.format(java.util.Locale.ROOT, "premium capped at %.1f", cap);
                    if (cap < $c.getProposed().cpu()) {
                        $c.clampTo(ResourceVector.of(cap, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY), why);
                    }
                    modify($c) { message("checked " + $u),
                                 approve() }
                    insert(new AnomalyFlag($u));
                end
                """;
        assertEquals(List.of(), PolicyLinter.lintFile("ok.drl", drl));
    }

    @Test
    void aRejectedFileAtReloadKeepsTheLastGoodRulesAndRunsNothing(@TempDir Path dir) throws Exception {
        PolicyRepository.exportBundled(dir);
        PolicyRepository repo = PolicyRepository.fromDirectory(dir);
        DroolsPolicyGate gate = new DroolsPolicyGate(repo, P);
        PolicyRuleSet good = repo.current();
        Path marker = dir.resolve("pwned");
        Files.writeString(dir.resolve("evil.drl"), evilRule("",
                "    Runtime.getRuntime().exec(new String[] {\"touch\", \"" + marker + "\"});\n    System.exit(3);"));
        ProposedChange c = new ProposedChange("evil", "ops", Tier.STANDARD, Pattern.BATCH, ResourceVector.of(1, 2, 10, 10),
                ResourceVector.of(1.5, 2, 10, 10), ResourceVector.of(1.5, 2, 10, 10), "m", false,
                P.costPerHour(ResourceVector.of(1.5, 2, 10, 10), false) - P.costPerHour(ResourceVector.of(1, 2, 10, 10), false));
        PolicyDecision d = gate.check(new PolicyContext("pool", 1795600800L, Map.of(), false), List.of(c)).get(0);
        assertEquals(DecisionOutcome.APPROVED, d.outcome(), "the last good rules decided");
        assertEquals(List.of("Approve within policy"), d.firedRules());
        assertTrue(good == repo.current(), "last good rules stay active");
        assertFalse(Files.exists(marker), "no code ran from the DRL");
        List<RuleProblem> ps = repo.lastRejected();
        assertTrue(ps.stream().anyMatch(p -> p.toString().startsWith("evil.drl:8: ") && p.message().contains("Runtime")), ps.toString());
        assertTrue(ps.stream().anyMatch(p -> p.toString().startsWith("evil.drl:9: ") && p.message().contains("System")), ps.toString());
    }

    @Test
    void modifyBlocksAreCheckedCallByCallOnTheirLines() {
        String drl = evilRule("", "    modify($c) {\n        approve(),\n        getClass() }\n    update($c);");
        List<RuleProblem> ps = PolicyLinter.lintFile("m.drl", drl);
        assertEquals(1, ps.size(), ps.toString());
        assertEquals(10, ps.get(0).line(), ps.toString());
        assertTrue(ps.get(0).message().contains("getClass"), ps.toString());
    }

    @Test
    void aFileWithASyntaxErrorIsLeftToTheCompilerWhichGivesTheLine(@TempDir Path dir) throws Exception {
        PolicyRepository.exportBundled(dir);
        Files.writeString(dir.resolve("half.drl"), "package io.foresight.rules.policy;\nrule \"Half\"\nwhen\n  $c : PolicyChange( decided == )\nthen\nend\n");
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyRepository.validate(dir));
        assertTrue(e.problems().stream().anyMatch(p -> p.file().contains("half.drl") && p.line() == 4), e.problems().toString());
    }
}
