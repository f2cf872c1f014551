package io.foresight.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.policy.ProposedChange;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.rules.PolicyRepository;
import io.foresight.rules.RuleProblem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;

/**
 * The demo's policy author: a rules directory exported from the bundled DRL files with demo thresholds (an
 * approval threshold and an hourly team budget low enough to act on a 20-user pool), edited while the loop
 * runs the way a policy author would: a third of the way in the approval threshold is lowered, so more changes
 * wait for a person (hot-reloaded by the policy check); two thirds in a broken DRL file appears (rejected with
 * file and line while the last good rules stay active) and is removed two cycles later.
 *
 * <p>The edits are saved right before the policy check of their cycle ({@link #editing}), not whenever a
 * poller happens to see the cycle: so a run makes the same decisions on the dev server and on the in-process
 * test server, and the same decisions again when it is repeated.
 */
final class PolicyScenario {
    static final double APPROVAL_COST_DELTA_PER_HOUR = 0.05;
    static final double TEAM_MAX_COST_PER_HOUR = 4.5;
    static final double LOWERED_APPROVAL_COST_DELTA_PER_HOUR = 0.02;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;
    private final Path thresholds;
    private final long tightenAt;
    private final long breakAt;
    private boolean tightened;
    private boolean broken;
    private boolean repaired;
    private final List<String> events = new ArrayList<>();

    private PolicyScenario(Path dir, long cycles) {
        this.dir = dir;
        this.thresholds = dir.resolve("io/foresight/rules/policy/thresholds.json");
        this.tightenAt = cycles / 3;
        this.breakAt = 2 * cycles / 3;
    }

    static PolicyScenario prepare(Path dir, long cycles) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        PolicyRepository.exportBundled(dir);
        PolicyScenario s = new PolicyScenario(dir, cycles);
        s.editThresholds(t -> {
            t.put("approvalCostDeltaPerHour", APPROVAL_COST_DELTA_PER_HOUR);
            ((ObjectNode) t.get("defaultTeam")).put("maxCostPerHour", TEAM_MAX_COST_PER_HOUR);
        });
        return s;
    }

    Path dir() {
        return dir;
    }

    /** What the author did so far, one line per edit, naming its cycle. */
    synchronized List<String> events() {
        return List.copyOf(events);
    }

    /**
     * The gate the loop checks with: before each policy check the author saves the edits due at that check's
     * cycle, so the repository the wrapped gate refreshes already holds them.
     *
     * @param rules      the gate the loop would check with otherwise
     * @param repository the repository {@code rules} reads (for the rejected file's message)
     * @param replay     the trace the loop replays: a check's decision time names its cycle
     * @param warmup     intervals of history before cycle 0
     */
    PolicyGate editing(PolicyGate rules, PolicyRepository repository, Trace replay, int warmup, PrintStream out) {
        LongUnaryOperator cycleOf = cycleClock(replay, warmup);
        return new PolicyGate() {
            @Override
            public List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes) {
                atCycle(cycleOf.applyAsLong(context.at()), repository, out);
                return rules.check(context, changes);
            }

            @Override
            public List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes, PolicyFacts facts) {
                atCycle(cycleOf.applyAsLong(context.at()), repository, out);
                return rules.check(context, changes, facts);
            }
        };
    }

    /**
     * Decision time (Unix seconds) to the loop's cycle when replaying {@code replay}: cycle c observes
     * interval {@code warmup + c} and its changes take effect at the end of that interval.
     */
    static LongUnaryOperator cycleClock(Trace replay, int warmup) {
        int step = replay.stepSeconds();
        UserSeries first = replay.users().values().iterator().next();
        long cycleZeroEffective = first.timestamp(warmup) + step;
        // rounded: the trace's VMs are sampled a few seconds apart, so an interval's start varies a little by user
        return at -> Math.round((double) (at - cycleZeroEffective) / step);
    }

    /** Edits the rules when the loop reaches the scenario's cycles; later calls for the same edit do nothing. */
    synchronized void atCycle(long cycle, PolicyRepository repository, PrintStream out) {
        if (!tightened && cycle >= tightenAt) {
            tightened = true;
            editThresholds(t -> t.put("approvalCostDeltaPerHour", LOWERED_APPROVAL_COST_DELTA_PER_HOUR));
            say(out, String.format(java.util.Locale.ROOT, "cycle %d: policy author lowers the approval threshold to $%.2f/h of change in %s"
                    + " (hot-reloaded by this cycle's policy check)", cycle, LOWERED_APPROVAL_COST_DELTA_PER_HOUR, dir.relativize(thresholds)));
        } else if (!broken && cycle >= breakAt) {
            broken = true;
            write(brokenFile(), "package io.foresight.rules.policy;\n\nrule \"Half-written rule\"\nwhen\n    PolicyChange( \nthen\nend\n");
            say(out, "cycle " + cycle + ": policy author saves a half-written " + dir.relativize(brokenFile()));
        } else if (broken && !repaired && cycle >= breakAt + 2) {
            repaired = true;
            List<RuleProblem> problems = repository.lastRejected();
            say(out, "  rejected while the last good rules stayed active: "
                    + (problems.isEmpty() ? "(not checked yet)" : problems.get(0).toString()));
            try {
                Files.deleteIfExists(brokenFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            say(out, "cycle " + cycle + ": policy author removes the broken file");
        }
    }

    private Path brokenFile() {
        return dir.resolve("io/foresight/rules/policy/half-written.drl");
    }

    private void say(PrintStream out, String line) {
        events.add(line);
        out.println("  [policy] " + line);
    }

    private void editThresholds(java.util.function.Consumer<ObjectNode> edit) {
        try {
            ObjectNode t = (ObjectNode) JSON.readTree(thresholds.toFile());
            edit.accept(t);
            write(thresholds, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(t));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot edit " + thresholds + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /** How often each rule fired over the run, from the audit trail. */
    static Map<String, Integer> ruleCounts(Path decisionLog, String pool) {
        Map<String, Integer> m = new TreeMap<>();
        for (DecisionRecord r : new DecisionLog(decisionLog).readAll()) {
            if (!r.pool().equals(pool)) {
                continue; // the log is shared with the other pools' loops
            }
            r.firedRules().forEach(rule -> m.merge(rule, 1, Integer::sum));
        }
        return m;
    }
}
