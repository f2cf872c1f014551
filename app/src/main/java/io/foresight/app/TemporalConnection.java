package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.StackException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A checked connection to the configured Temporal server (fails with one line naming the fix), or to the
 * in-process Temporal test server the demo falls back to.
 */
final class TemporalConnection implements AutoCloseable {
    final WorkflowServiceStubs stubs;
    final WorkflowClient client;
    final String target;
    /** The in-process server this connection owns, or null for a real server. */
    private final TestWorkflowEnvironment inProcess;

    private TemporalConnection(WorkflowServiceStubs stubs, WorkflowClient client, String target, TestWorkflowEnvironment inProcess) {
        this.stubs = stubs;
        this.client = client;
        this.target = target;
        this.inProcess = inProcess;
    }

    /**
     * The in-process Temporal test server, with time skipping off: its clock then runs like a real server's,
     * so the loop's sleeps and its wait for a person's approval last as long as on {@code temporal server
     * start-dev}. With time skipping on (the test server's default) a timer fires the moment nothing else is
     * running, so every approval wait timed out before any operator could answer (issue 16).
     */
    static TemporalConnection inProcess() {
        TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
                TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
        return new TemporalConnection(env.getWorkflowServiceStubs(), env.getWorkflowClient(), "in-process test server", env);
    }

    boolean isInProcess() {
        return inProcess != null;
    }

    /** FORESIGHT_TEMPORAL_ADDRESS if set, else temporal.ip:temporal.port (FORESIGHT_TEMPORAL_IP / _PORT). */
    static String target(FsConfig config) {
        return config.get("temporal.address", config.temporalTarget());
    }

    static TemporalConnection open(FsConfig config) {
        String target = target(config);
        String namespace = config.get("temporal.namespace", "default");
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder()
                .setTarget(target).setRpcTimeout(Duration.ofSeconds(10));
        TemporalSecurity.configure(config, options);
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options.build());
        try {
            stubs.blockingStub().withDeadlineAfter(15, TimeUnit.SECONDS)
                    .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
        } catch (RuntimeException e) {
            stubs.shutdownNow();
            throw new StackException("Temporal is not reachable at " + target + " (namespace " + namespace + "): "
                    + e.getMessage() + ". Fix: run './foresight stack up' or set FORESIGHT_TEMPORAL_ADDRESS");
        }
        WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
        return new TemporalConnection(stubs, client, target, null);
    }

    @Override
    public void close() {
        if (inProcess != null) {
            inProcess.close();
            return;
        }
        stubs.shutdown();
        stubs.awaitTermination(5, TimeUnit.SECONDS);
    }
}
