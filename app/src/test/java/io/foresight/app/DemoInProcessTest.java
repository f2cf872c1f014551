package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.trace.BitbrainsReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's policy scenario on the in-process Temporal test server (the path the demo falls back to without
 * the local stack): the operator's approvals arrive before the approval timeout, the policy author's edits land
 * at their cycles, and the summary matches what the same run scores on the full stack ({@link DemoReference}).
 */
class DemoInProcessTest {
    @Test
    void approvalsHappenAndTheSummaryMatchesTheFullStack(@TempDir Path state) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        FsConfig config = config(state);
        DemoCommand.DemoRun run;
        try {
            Path trace = DemoReference.laterSlice(config.path("data.slice", null), state);
            run = DemoReference.command(trace, "--in-process").run(config, out);
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8)); // the demo's own output, in the test report
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(run.inProcess());
        // without MLflow the loop still predicts with what the retraining workflow would make champion
        assertEquals(io.foresight.workflows.retrain.RetrainRequest.DEFAULT_FAMILY, run.modelFamily(), text);
        assertTrue(text.contains("(what the retraining workflow would make champion)"), text);

        // approvals do not starve: every change that waited was approved by the operator in time
        assertTrue(run.waitingApproval() > 0, "the scenario sends changes to a person: " + text);
        assertEquals(run.waitingApproval(), run.operatorApprovals(), text);
        assertTrue(text.contains("not decided in time (kept the current allocation): 0"), text);

        // the gate's clock names the cycle each decision was made in ...
        LongUnaryOperator clock = PolicyScenario.cycleClock(BitbrainsReader.read(
                state.resolve("demo").resolve("trace-with-anomaly.csv.gz")), Wiring.WARMUP_STEPS);
        List<DecisionRecord> decisions = new DecisionLog(Wiring.loopStateDir(config)
                .resolve(ControlLoopActivitiesImpl.DECISION_LOG)).readAll();
        assertFalse(decisions.isEmpty());
        for (DecisionRecord r : decisions) {
            assertEquals(r.cycle(), clock.applyAsLong(r.at()), r.toString());
        }
        // ... so the author's edits land at the first policy check at or after their cycle (one edit per check),
        // not whenever a poller happened to see the cycle
        List<Long> checked = decisions.stream().map(DecisionRecord::cycle).distinct().sorted().toList();
        List<Long> expected = new java.util.ArrayList<>();
        long last = -1;
        for (long due : DemoReference.POLICY_EVENT_CYCLES) {
            long after = last;
            last = checked.stream().filter(c -> c >= due && c > after).findFirst().orElseThrow();
            expected.add(last);
        }
        assertEquals(expected, DemoReference.eventCycles(run.policyEvents()), run.policyEvents().toString());

        DemoReference.assertCloseTo(DemoReference.FULL_STACK, run);

        // profiles change during the run and the summary shows it: users per pattern at start and end, the versions
        DemoBehaviour b = run.behaviour();
        assertEquals(20, b.patternsAtStart().values().stream().mapToInt(Integer::intValue).sum(), text);
        assertEquals(20, b.patternsAtEnd().values().stream().mapToInt(Integer::intValue).sum(), text);
        assertTrue(b.versions() >= 20, "every user has a first profile version, and more: " + text);
        assertTrue(text.contains("users per pattern (first and last profile the loop published): start {"), text);
        // spot: eligible users ran on spot nodes, the injected interruption moved them to on-demand within the lead time
        assertTrue(run.summary().spot().userIntervals() > 0, "users on spot: " + text);
        assertTrue(run.summary().spot().nodeCost() < run.summary().spot().nodeCostOnDemand(), text);
        assertTrue(b.fallbacks() >= 1, "at least one user fell back from spot to on-demand: " + text);
        assertTrue(b.interruptions().stream().allMatch(i -> i.at() == b.interruptions().get(0).at()), "one injected interruption: " + text);
        assertTrue(text.contains("spot interruption at cycle " + (2 * DemoReference.CYCLES / 3) + ":"), text);
        // the bandit learned a headroom for every pattern the users had, within the policy's bounds
        assertFalse(b.headroom().isEmpty(), text);
        b.headroom().values().forEach(h -> assertTrue(h >= 0 && h <= 0.5, "headroom " + h));

        // the in-process server has no UI: none is listed, and the summary says how to start them
        assertFalse(text.contains("Temporal UI:   http"), text);
        assertTrue(text.contains("./foresight stack up"), text);
    }

    static FsConfig config(Path state) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("FORESIGHT_HOME", Path.of("").toAbsolutePath().getParent().toString());
        env.put("FORESIGHT_STATE_DIR", state.toString());
        env.put("FORESIGHT_METRICS_PORT", "0"); // any free port: a running worker or demo keeps its own
        return FsConfig.load(env);
    }
}
