package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A short run of the demo's policy scenario (the bundled trace, fewer cycles than the demo's default) and what
 * it scored on the full stack, so the in-process path can be checked against it without the stack.
 *
 * <p>The two paths differ in one thing by design: on the full stack the MLflow champion (trained by the
 * retraining workflow) predicts CPU, in process the built-in forecaster does. That moves a few allocations,
 * hence a tolerance on under-provisioning rather than equality.
 */
final class DemoReference {
    static final int CYCLES = 24;

    /** Cycles at which the scripted policy author acts: a third in, two thirds in, and the repair two later. */
    static final List<Long> POLICY_EVENT_CYCLES = List.of(8L, 16L, 18L);

    /**
     * How far the in-process path's under-provisioning may be from the full stack's, in percentage points of
     * the scored user-intervals (CPU and memory each).
     */
    static final double TOLERANCE_POINTS = 1.0;

    /** What the short run scored. */
    record Numbers(long userIntervals, long underCpu, long underMemory) {
        double underCpuShare() {
            return 100.0 * underCpu / userIntervals;
        }

        double underMemoryShare() {
            return 100.0 * underMemory / userIntervals;
        }
    }

    /**
     * The full stack's score for this run, measured with
     * {@code ./foresight demo --cycles 24 --pool demo-test} (Temporal dev server, MLflow champion).
     */
    static final Numbers FULL_STACK = new Numbers(480, 0, 0);

    private DemoReference() {}

    /** The demo command for the short run, plus {@code extra} options. */
    static DemoCommand command(String... extra) {
        List<String> args = new ArrayList<>(List.of("--cycles", String.valueOf(CYCLES), "--pool", "demo-test"));
        args.addAll(List.of(extra));
        DemoCommand c = new DemoCommand();
        new CommandLine(c).parseArgs(args.toArray(String[]::new));
        return c;
    }

    static Numbers of(DemoCommand.DemoRun run) {
        DemoSummary.Row loop = run.summary().loop();
        return new Numbers(run.summary().userIntervals(), loop.underCpu(), loop.underMemory());
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

    /** Same scored intervals, under-provisioning within {@link #TOLERANCE_POINTS}, every waiting change approved. */
    static void assertAgrees(Numbers expected, DemoCommand.DemoRun run) {
        Numbers got = of(run);
        assertEquals(expected.userIntervals(), got.userIntervals(), "scored user-intervals");
        assertTrue(Math.abs(expected.underCpuShare() - got.underCpuShare()) <= TOLERANCE_POINTS,
                "under-provisioned CPU: " + got + " vs " + expected + " (tolerance " + TOLERANCE_POINTS + " points)");
        assertTrue(Math.abs(expected.underMemoryShare() - got.underMemoryShare()) <= TOLERANCE_POINTS,
                "under-provisioned memory: " + got + " vs " + expected + " (tolerance " + TOLERANCE_POINTS + " points)");
        assertEquals(run.waitingApproval(), run.operatorApprovals(), "every change that waited was approved in time");
    }
}
