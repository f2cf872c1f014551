package io.foresight.activities;

import io.foresight.core.actuate.Actuator;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.ApplyResult;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.actuate.UserAllocation;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * The control worker as its own JVM for the crash IT: {@code <temporal address> <state dir> <apply delay ms>}.
 * The delay holds every allocate activity open after its apply is journaled, the window in which a
 * kill -9 leaves an applied but unreported allocation that the retry must not apply again.
 */
public final class CrashTestWorkerMain {
    public static void main(String[] args) throws Exception {
        String address = args[0];
        Path state = Path.of(args[1]);
        long delay = Long.parseLong(args[2]);
        SimulatedCluster cluster = new SimulatedCluster(state.resolve("cluster"));
        Actuator slow = new Actuator() {
            @Override
            public Map<String, UserAllocation> current(String pool, Collection<String> users) {
                return cluster.current(pool, users);
            }

            @Override
            public void compensate(ApplyResult result) {
                cluster.compensate(result);
            }

            @Override
            public ApplyResult apply(ApplyRequest request) {
                ApplyResult r = cluster.apply(request);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return r;
            }
        };
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
        ControlWorker.start(WorkflowClient.newInstance(stubs),
                ControlWorkerConfig.defaults(state).withActuator(slow).withMetrics(new PrometheusRegistry()));
        System.out.println("worker started on " + address);
        Thread.currentThread().join(); // until killed
    }
}
