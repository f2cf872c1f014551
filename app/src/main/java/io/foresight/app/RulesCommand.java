package io.foresight.app;

import io.foresight.core.cost.PriceBook;
import io.foresight.rules.PolicyLoadException;
import io.foresight.rules.PolicyRepository;
import io.foresight.rules.PolicyRuleSet;
import io.foresight.rules.PolicyTestRunner;
import io.foresight.rules.PoolKind;
import io.foresight.rules.RuleProblem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `foresight rules check|test|export DIR`: tools for policy authors. */
@Command(name = "rules", description = "Validate, test and export the policy rules (DRL + thresholds.json).",
        mixinStandardHelpOptions = true,
        subcommands = {RulesCommand.Check.class, RulesCommand.Test.class, RulesCommand.Export.class})
public final class RulesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", description = {"Lint and compile the *.drl files and the thresholds files (thresholds.json for a VM fleet,",
            "thresholds-batch.json for a batch cluster) in DIR; print every problem as file:line: message.",
            "Build output (target/) and hidden folders (.git/) are not read."})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "directory holding the policy files")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                PolicyRuleSet rules = PolicyRepository.validate(dir);
                List<String> skipped = PolicyRepository.skippedFolders(dir);
                out.printf("read %d file(s) from %s%s:%n", rules.files().size(), dir,
                        skipped.isEmpty() ? "" : " (not read: " + String.join(", ", skipped) + ")");
                rules.files().forEach(f -> out.println("  " + f));
                for (PoolKind k : PoolKind.values()) {
                    out.printf("thresholds for a %s pool: %s%n", k.label(), PolicyRepository.readThresholdsName(dir, k));
                }
                out.printf("OK: %d rules in %s%n", rules.ruleNames().size(), dir);
                rules.ruleNames().forEach(n -> out.println("  rule \"" + n + "\""));
                return 0;
            } catch (IOException e) {
                err.println("cannot read " + dir + ": " + e.getMessage());
                return 1;
            } catch (PolicyLoadException e) {
                for (RuleProblem p : e.problems()) {
                    err.println(p);
                }
                err.printf("%d problem(s): the rules in %s were not accepted%n", e.problems().size(), dir);
                return 1;
            }
        }
    }

    @Command(name = "test", description = {"Run the cases in DIR/tests/*.json against the rules in DIR",
            "(the bundled rules if DIR has no .drl files). Exit code 1 if any case fails."})
    static final class Test implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "directory holding the policy files and tests/")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            PolicyRepository repo;
            try {
                repo = hasDrl(dir) ? PolicyRepository.fromDirectory(dir) : PolicyRepository.bundled();
            } catch (PolicyLoadException e) {
                e.problems().forEach(err::println);
                err.println("the rules do not compile; fix them first (foresight rules check " + dir + ")");
                return 1;
            }
            out.println("rules: " + repo.current().source());
            List<PolicyTestRunner.CaseResult> results = new PolicyTestRunner(repo, PriceBook.DEFAULT).runAll(dir.resolve("tests"));
            int failed = 0;
            for (var r : results) {
                out.printf("%s  %s  (%s)%n", r.passed() ? "PASS" : "FAIL", r.name(), Path.of(r.file()).getFileName());
                if (!r.passed()) {
                    failed++;
                    r.failures().forEach(f -> out.println("      " + f));
                }
            }
            out.printf("%d case(s), %d passed, %d failed%n", results.size(), results.size() - failed, failed);
            return failed == 0 && !results.isEmpty() ? 0 : 1;
        }

        private static boolean hasDrl(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " is not a directory; give the directory holding tests/");
            }
            return PolicyRepository.policyFiles(dir).stream().anyMatch(p -> p.toString().endsWith(".drl"));
        }
    }

    @Command(name = "export", description = "Write the bundled rules and thresholds into DIR, as a starting point to edit.")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() {
            PolicyRepository.exportBundled(dir);
            spec.commandLine().getOut().println("bundled policy written to " + dir);
            return 0;
        }
    }
}
