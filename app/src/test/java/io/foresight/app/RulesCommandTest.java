package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RulesCommandTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ForesightCli());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void checkAcceptsExportedRulesAndRejectsABrokenFileWithLine(@TempDir Path dir) throws Exception {
        assertEquals(0, run("rules", "export", dir.toString()).code());
        Run ok = run("rules", "check", dir.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("rule \"Clamp to tier maximum\""), ok.out());
        Files.writeString(dir.resolve("oops.drl"), "package io.foresight.rules.policy;\nrule \"x\"\nwhen\n  Nope()\nthen\nend\n");
        Run bad = run("rules", "check", dir.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("oops.drl:4"), bad.err());
    }

    @Test
    void checkOfTheRulesFolderSkipsBuildOutputAndSaysWhatItRead() throws Exception {
        // the folder the README names: its target/ holds a copy of every DRL after a build
        Path rules = Path.of("../rules");
        Path copy = rules.resolve("target/classes/io/foresight/rules/policy");
        Files.createDirectories(copy);
        Files.copy(rules.resolve("src/main/resources/io/foresight/rules/policy/limits.drl"), copy.resolve("limits.drl"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Run ok = run("rules", "check", rules.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("not read: ") && ok.out().contains("target/"), ok.out());
        assertTrue(ok.out().contains("src/main/resources/io/foresight/rules/policy/limits.drl"), ok.out());
        assertTrue(ok.out().contains("thresholds for a batch pool: src/main/resources/io/foresight/rules/policy/thresholds-batch.json"),
                ok.out());
        assertTrue(ok.out().contains("rule \"Scale up to forecast beyond step\""), ok.out());
    }

    @Test
    void checkRefusesARuleThatRunsCode(@TempDir Path dir) throws Exception {
        assertEquals(0, run("rules", "export", dir.toString()).code());
        Files.writeString(dir.resolve("evil.drl"), "package io.foresight.rules.policy;\nrule \"Evil\"\nwhen\n"
                + "  $c : PolicyChange( )\nthen\n  Runtime.getRuntime().exec(\"id\");\nend\n");
        Run bad = run("rules", "check", dir.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("evil.drl:6: rule \"Evil\": 'Runtime' is not allowed"), bad.err());
        Run test = run("rules", "test", dir.toString());
        assertEquals(1, test.code(), "rules test does not run it either");
        assertTrue(test.err().contains("evil.drl:6"), test.err());
    }

    @Test
    void testRunsShippedCasesAndReportsFailures(@TempDir Path dir) throws Exception {
        Path shipped = Path.of("../rules/policy-tests");
        Run ok = run("rules", "test", shipped.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("0 failed"), ok.out());
        Files.createDirectories(dir.resolve("tests"));
        Files.writeString(dir.resolve("tests/c.json"), """
                { "name": "expects the wrong rule", "context": {"at": "2026-11-25T10:00:00Z"},
                  "change": {"user": "u", "tier": "STANDARD", "pattern": "BATCH",
                             "current": {"cpu":1,"memory":2,"network":10,"disk":10},
                             "proposed": {"cpu":1.2,"memory":2,"network":10,"disk":10}},
                  "expect": {"outcome": "APPROVED", "fired": ["Limit step size"]} }
                """);
        Run bad = run("rules", "test", dir.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.out().contains("FAIL  expects the wrong rule") && bad.out().contains("Approve within policy"), bad.out());
    }
}
