package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code foresight approve}: decides changes that wait for a person (the policy's approval threshold). The
 * same signal can be sent from the Temporal UI (workflow {@code control-loop-<pool>}, signal {@code approve}).
 */
@Command(name = "approve", mixinStandardHelpOptions = true,
        description = "List or decide allocation changes waiting for approval in a pool's control loop.")
public final class ApproveCommand implements Callable<Integer> {
    @Option(names = "--pool", defaultValue = "demo", description = "Resource pool (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--reject", description = "Reject instead of approve (the current allocation stays).")
    boolean reject;

    @Option(names = "--by", defaultValue = "${env:USER:-operator}", description = "Who decides, recorded in the workflow (default ${DEFAULT-VALUE}).")
    String by;

    @Parameters(paramLabel = "CHANGE_ID", arity = "0..*",
            description = "Change ids as listed (pool/cycle/user); none: list what is waiting.")
    List<String> changeIds;

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
            if (changeIds == null || changeIds.isEmpty()) {
                System.out.println(s.pendingApprovals().isEmpty() ? "nothing waits for approval in pool " + pool + " (cycle " + s.cycle() + ")"
                        : String.join("\n", s.pendingApprovals()));
                return 0;
            }
            for (String id : changeIds) {
                if (!s.pendingApprovals().contains(id)) {
                    throw new IllegalArgumentException("change '" + id + "' is not waiting for approval in pool " + pool
                            + " (waiting: " + s.pendingApprovals() + "). Fix: run 'foresight approve --pool " + pool + "' to list them");
                }
            }
            for (String id : changeIds) {
                loop.approve(id, !reject, by);
                System.out.println((reject ? "rejected " : "approved ") + id + " by " + by);
            }
            return 0;
        }
    }
}
