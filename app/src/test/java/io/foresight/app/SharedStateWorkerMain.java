package io.foresight.app;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.controlloop.PostgresStateStore;
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
 * One control worker "host" for {@link SharedStateKillIT}, in its own JVM:
 * {@code <temporal address> <local dir> <cluster dir> <jdbc url> <user> <password> <apply delay ms>}. Its own files
 * go to the local dir only; the loop's state is in PostgreSQL; the simulated cluster (the platform both hosts
 * manage, as a Kubernetes API would be) is the shared cluster dir. The delay holds each allocate open after its apply
 * is journaled: the window in which a SIGKILL leaves an applied but unreported allocation.
 */
public final class SharedStateWorkerMain {
    public static void main(String[] args) throws Exception {
        String address = args[0];
        Path local = Path.of(args[1]);
        SimulatedCluster cluster = new SimulatedCluster(Path.of(args[2]));
        PostgresStateStore store = PostgresStateStore.open(new PostgresStateStore.Settings(args[3], args[4], args[5]));
        long delay = Long.parseLong(args[6]);
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
                System.out.println("applied " + request.idempotencyKey()); // the test kills the worker inside this window
                System.out.flush();
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return r;
            }
        };
        WorkflowServiceStubs stubs = null;
        for (int attempt = 1; stubs == null; attempt++) {
            try {
                stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
            } catch (io.grpc.StatusRuntimeException e) {
                // a restarted host on a loaded machine: the first health check can miss its short deadline
                if (attempt == 5) {
                    throw e;
                }
                Thread.sleep(1_000);
            }
        }
        ControlWorker.start(WorkflowClient.newInstance(stubs),
                ControlWorkerConfig.defaults(local).withActuator(slow).withMetrics(new PrometheusRegistry()), store);
        System.out.println("worker started on " + address + ", local dir " + local + ", state in " + store.describe());
        Thread.currentThread().join(); // until killed
    }
}
