package io.foresight.activities;

import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.activities.controlloop.FileStateStore;
import io.foresight.activities.controlloop.StateStore;
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
        return register(factory, config, new FileStateStore(config.stateDir()), io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    /** With the loop's state in {@code store} (e.g. PostgreSQL shared by workers on several hosts). */
    public static Worker register(WorkerFactory factory, ControlWorkerConfig config, StateStore store) {
        return register(factory, config, store, io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    /**
     * With the loop's state in {@code store} and worker options, e.g. a longer deadlock detection or fewer
     * concurrent activities on a host whose cores are shared.
     */
    public static Worker register(WorkerFactory factory, ControlWorkerConfig config, StateStore store,
                                  io.temporal.worker.WorkerOptions options) {
        Objects.requireNonNull(factory, "factory");
        Worker worker = factory.newWorker(TaskQueues.CONTROL, options);
        worker.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        worker.registerActivitiesImplementations(new ControlLoopActivitiesImpl(config,
                io.foresight.core.engine.CycleEngine.Parts.DEFAULTS, store));
        return worker;
    }

    /**
     * A control worker running the engine with {@code parts} (e.g. the demo, which shows the learned headroom that is
     * off by default), its state in files under the config's state dir.
     */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config,
                                      io.foresight.core.engine.CycleEngine.Parts parts) {
        WorkerFactory factory = WorkerFactory.newInstance(Objects.requireNonNull(client, "client"));
        Worker worker = factory.newWorker(TaskQueues.CONTROL, io.temporal.worker.WorkerOptions.getDefaultInstance());
        worker.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        worker.registerActivitiesImplementations(new ControlLoopActivitiesImpl(config, parts,
                new FileStateStore(config.stateDir())));
        factory.start();
        return factory;
    }

    /** Creates a factory on {@code client}, registers the control worker and starts polling. */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config) {
        return start(client, config, new FileStateStore(config.stateDir()), io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    /** As {@link #start(WorkflowClient, ControlWorkerConfig)}, with the loop's state in {@code store}. */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config, StateStore store) {
        return start(client, config, store, io.temporal.worker.WorkerOptions.getDefaultInstance());
    }

    /** As {@link #start(WorkflowClient, ControlWorkerConfig, StateStore)}, with worker options. */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config, StateStore store,
                                      io.temporal.worker.WorkerOptions options) {
        WorkerFactory factory = WorkerFactory.newInstance(Objects.requireNonNull(client, "client"));
        register(factory, config, store, options);
        factory.start();
        return factory;
    }
}
