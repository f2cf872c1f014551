package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code foresight freeze}: declares (or lifts, with {@code --off}) an operator freeze on a pool's control loop.
 * While frozen the policies deny every change from the next policy check on, so users keep what they hold.
 * The same signals can be sent from the Temporal UI (workflow {@code control-loop-<pool>}, signals {@code freeze}
 * and {@code unfreeze}).
 */
@Command(name = "freeze", mixinStandardHelpOptions = true,
        description = "Freeze a pool's control loop (no allocation changes) or lift the freeze with --off.")
public final class FreezeCommand implements Callable<Integer> {
    @Option(names = "--pool", defaultValue = "demo", description = "Resource pool (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--off", description = "Lift the freeze.")
    boolean off;

    @Option(names = "--by", defaultValue = "${env:USER:-operator}", description = "Who decides, recorded in the workflow (default ${DEFAULT-VALUE}).")
    String by;

    @Override
    public Integer call() {
        try (TemporalConnection t = TemporalConnection.open(FsConfig.load())) {
            ControlLoopWorkflow loop = t.client.newWorkflowStub(ControlLoopWorkflow.class, ControlLoopWorkflow.workflowId(pool));
            LoopState s;
            try {
                s = loop.state();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("no control loop for pool '" + pool + "' (" + e.getMessage()
                        + "). Fix: check --pool, or start one with ./foresight demo");
            }
            if (off) {
                loop.unfreeze(by);
            } else {
                loop.freeze(by);
            }
            System.out.println("pool " + pool + (off ? " unfrozen" : " frozen") + " by " + by + " (was "
                    + (s.frozen() ? "frozen" : "not frozen") + "; takes effect at the next policy check, cycle " + s.cycle() + ")");
            return 0;
        }
    }
}
