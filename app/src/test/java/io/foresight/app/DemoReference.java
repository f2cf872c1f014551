package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A short run of the demo's policy scenario (the bundled trace, fewer cycles than the demo's default) and what
 * it scored on the full stack, so the in-process path can be checked against it without the stack.
 *
 * <p>Both paths predict with the retraining workflow's choice on the same data (the MLflow champion on the full
 * stack, the same family fitted on the same window and gated the same way in process: {@code Models}), so they
 * make the same decisions.
 */
final class DemoReference {
    static final int CYCLES = 24;

    /** Cycles the scripted policy author acts at (a third in, two thirds in, the repair two later), or at the first policy check after. */
    static final List<Long> POLICY_EVENT_CYCLES = List.of(8L, 16L, 18L);

    /**
     * How far the in-process path's under-provisioning may be from the full stack's, in percentage points of
     * the scored user-intervals (CPU and memory each). Measured since both serve the same model: 0.0 points on
     * both (identical decisions); before, with different models, up to 1.8 points; the starved approvals of
     * issue 16 showed as a 15-point gap. The point of slack: the order in which a worker's threads finish a
     * cycle's shards may differ between servers.
     */
    static final double TOLERANCE_POINTS = 1.0;

    /** What the short run scored, and how many changes waited for a person. */
    record Numbers(long userIntervals, long underCpu, long underMemory, long waitingApproval) {
        double underCpuShare() {
            return 100.0 * underCpu / userIntervals;
        }

        double underMemoryShare() {
            return 100.0 * underMemory / userIntervals;
        }
    }

    /**
     * The score of this run (both paths make the same decisions: {@link DemoPathsIT} runs the full stack against
     * these numbers). With the planner's peak hold on by default (CPU an hour, memory, network and disk a day) and
     * median-periodic bounding memory, network and disk at the engine's 0.99 (issue 14 item 4), measured in process
     * (DemoInProcessTest, 2026-12-01 09:20 UTC): 0 CPU and 0 memory user-intervals of 480 under-provisioned, 2 changes
     * waited for approval and were approved; decisions {APPROVED=49, ADJUSTED=55, DENIED=31, WAITING_APPROVAL=2}, cost
     * $4.50 (the full stack not re-run). With median-periodic as the retraining workflow's family (issue 15; it passes the gate on the
     * slice's window: mean MASE 0.2375 against the blend's 0.3586) measured in process: 1 CPU and 1 memory user-interval
     * of 480 under-provisioned, 2 changes waited for approval and were approved; decisions {APPROVED=67, ADJUSTED=49,
     * WAITING_APPROVAL=2}, cost $3.87 against static's $8.78 (the full stack not re-run with it yet). With recent-median,
     * measured in process after the planner's level ladder and the 25-millicore tier floor (issue 14):
     * 1 CPU and 1 memory user-interval of 480 under-provisioned, 1 change waited for approval and was approved;
     * decisions {APPROVED=36, ADJUSTED=46, WAITING_APPROVAL=1}, with the workflow's pattern classifier (LinearSVC,
     * 0.800 against persistence's 0.550 on the slice's 40 holdout pairs) naming 16 BATCH and 4 INTERACTIVE_DEV users
     * on both paths (in process: the same job and gate, {@code Models.trainedWithoutMlflow}). Before (starting at the fifth day's
     * afternoon, no ladder): 29 CPU, 14 memory, 2 waiting; before spot and learned headroom were in the demo: 51, 16, 4.
     */
    static final Numbers FULL_STACK = new Numbers(480, 0, 0, 2);

    private DemoReference() {}

    /**
     * Intervals of the bundled trace the short run skips. None since the planner's level ladder (issue 14): it starts
     * where the demo does, whose first cycles raise one VM by more than the demo's approval threshold ($0.05/h); the
     * afternoon of the fifth day it used to start at no longer moves any allocation by that much within 24 cycles.
     */
    static final int SKIP_INTERVALS = 0;

    /** The bundled trace without the first {@link #SKIP_INTERVALS} intervals of every VM, written to {@code dir}. */
    static Path laterSlice(Path bundled, Path dir) throws IOException {
        Path out = dir.resolve("bitbrains-slice-later.csv.gz");
        Map<String, Integer> seen = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(bundled)), StandardCharsets.UTF_8));
             Writer w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8)) {
            w.write(r.readLine() + "\n"); // header
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String vm = line.substring(0, line.indexOf(','));
                if (seen.merge(vm, 1, Integer::sum) > SKIP_INTERVALS) {
                    w.write(line + "\n");
                }
            }
        }
        return out;
    }

    /** The demo command for the short run on {@code trace}, plus {@code extra} options. */
    static DemoCommand command(Path trace, String... extra) {
        List<String> args = new ArrayList<>(List.of("--cycles", String.valueOf(CYCLES), "--pool", "demo-test",
                "--trace", trace.toString()));
        args.addAll(List.of(extra));
        DemoCommand c = new DemoCommand();
        new CommandLine(c).parseArgs(args.toArray(String[]::new));
        return c;
    }

    static Numbers of(DemoCommand.DemoRun run) {
        DemoSummary.Row loop = run.summary().loop();
        return new Numbers(run.summary().userIntervals(), loop.underCpu(), loop.underMemory(), run.waitingApproval());
    }

    /** The cycles named by the policy author's edits ("cycle N: ..."). */
    static List<Long> eventCycles(List<String> events) {
        Pattern p = Pattern.compile("^cycle (\\d+):");
        List<Long> cycles = new ArrayList<>();
        for (String e : events) {
            Matcher m = p.matcher(e);
            if (m.find()) {
                cycles.add(Long.parseLong(m.group(1)));
            }
        }
        return cycles;
    }

    /**
     * Same scored intervals, under-provisioning within {@link #TOLERANCE_POINTS}, the same number of changes
     * waiting for a person, and every one of them approved: how two live runs of the two paths must agree.
     */
    static void assertAgrees(Numbers expected, DemoCommand.DemoRun run) {
        assertCloseTo(expected, run);
        assertEquals(expected.waitingApproval(), of(run).waitingApproval(), "changes that waited for approval");
    }

    /**
     * Against the recorded reference: same scored intervals, under-provisioning within the tolerance, and no
     * approval starved (every change that waited was approved in time). The number of changes that wait moves
     * with the engine's decisions, so only live runs of both paths ({@link DemoPathsIT}) compare it.
     */
    static void assertCloseTo(Numbers expected, DemoCommand.DemoRun run) {
        Numbers got = of(run);
        assertEquals(expected.userIntervals(), got.userIntervals(), "scored user-intervals");
        assertTrue(Math.abs(expected.underCpuShare() - got.underCpuShare()) <= TOLERANCE_POINTS,
                "under-provisioned CPU: " + got + " vs " + expected + " (tolerance " + TOLERANCE_POINTS + " points)");
        assertTrue(Math.abs(expected.underMemoryShare() - got.underMemoryShare()) <= TOLERANCE_POINTS,
                "under-provisioned memory: " + got + " vs " + expected + " (tolerance " + TOLERANCE_POINTS + " points)");
        assertTrue(got.waitingApproval() > 0, "the scenario sends changes to a person: " + got);
        assertEquals(run.waitingApproval(), run.operatorApprovals(), "every change that waited was approved in time");
    }
}
