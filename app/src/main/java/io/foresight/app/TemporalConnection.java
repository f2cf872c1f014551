package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.StackException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A checked connection to the configured Temporal server; fails with one line naming the fix. */
final class TemporalConnection implements AutoCloseable {
    final WorkflowServiceStubs stubs;
    final WorkflowClient client;
    final String target;

    private TemporalConnection(WorkflowServiceStubs stubs, WorkflowClient client, String target) {
        this.stubs = stubs;
        this.client = client;
        this.target = target;
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
            stubs.blockingStub().withDeadlineAfter(5, TimeUnit.SECONDS)
                    .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
        } catch (RuntimeException e) {
            stubs.shutdownNow();
            throw new StackException("Temporal is not reachable at " + target + " (namespace " + namespace + "): "
                    + e.getMessage() + ". Fix: run './foresight stack up' or set FORESIGHT_TEMPORAL_ADDRESS");
        }
        WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
        return new TemporalConnection(stubs, client, target);
    }

    @Override
    public void close() {
        stubs.shutdown();
        stubs.awaitTermination(5, TimeUnit.SECONDS);
    }
}
