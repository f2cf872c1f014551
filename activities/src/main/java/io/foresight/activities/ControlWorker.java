package io.foresight.activities;

import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.util.Objects;

/**
 * Bootstrap of the control worker: the control-loop workflow and its activities on
 * {@link TaskQueues#CONTROL}. The CLI's {@code foresight worker} builds the client and config and calls
 * {@link #start}; tests and embedders with their own factory call {@link #register}.
 */
public final class ControlWorker {
    private ControlWorker() {}

    public static Worker register(WorkerFactory factory, ControlWorkerConfig config) {
        return register(factory, config, io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    /** With worker options, e.g. a longer deadlock detection on a host whose cores are shared. */
    public static Worker register(WorkerFactory factory, ControlWorkerConfig config, io.temporal.worker.WorkerOptions options) {
        Objects.requireNonNull(factory, "factory");
        Worker worker = factory.newWorker(TaskQueues.CONTROL, options);
        worker.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        worker.registerActivitiesImplementations(new ControlLoopActivitiesImpl(config));
        return worker;
    }

    /** Creates a factory on {@code client}, registers the control worker and starts polling. */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config) {
        return start(client, config, io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config, io.temporal.worker.WorkerOptions options) {
        WorkerFactory factory = WorkerFactory.newInstance(Objects.requireNonNull(client, "client"));
        register(factory, config, options);
        factory.start();
        return factory;
    }
}
