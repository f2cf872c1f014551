package io.foresight.activities;

import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.activities.controlloop.FileStateStore;
import io.foresight.activities.controlloop.StateStore;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopWorkflowImpl;
import io.foresight.workflows.controlloop.WorkerQueueActivity;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.util.Objects;

/**
 * Bootstrap of the control worker: the control-loop workflow and its activities on
 * {@link TaskQueues#CONTROL}, and the same activities (one instance, so one memory of the users' histories) on a
 * queue only this process polls ({@link #newWorkerQueue()}), where the loop sends the shards it pinned to this
 * process. The CLI's {@code foresight worker} builds the client and config and calls {@link #start}; tests and
 * embedders with their own factory call {@link #register}.
 */
public final class ControlWorker {
    private ControlWorker() {}

    /** This process's own queue: {@code FORESIGHT_CONTROL_WORKER_QUEUE} if set (e.g. a pod's stable name), else a new one. */
    public static String defaultWorkerQueue() {
        String env = System.getenv("FORESIGHT_CONTROL_WORKER_QUEUE");
        return env != null && !env.isBlank() ? env.trim() : newWorkerQueue();
    }

    /**
     * A queue only this control worker process polls, next to {@link TaskQueues#CONTROL}:
     * {@code foresight-control@HOST-PID-RANDOM}. The random part makes a restarted process a new worker (its memory is
     * empty, so the loop must not count on it), and two processes on one host never share a name. Worker-side code (it
     * reads the host name and draws a random number), so not in the workflows module, whose code Temporal replays.
     */
    public static String newWorkerQueue() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        byte[] r = new byte[3];
        new java.security.SecureRandom().nextBytes(r);
        return TaskQueues.WORKER_QUEUE_PREFIX + host + "-" + ProcessHandle.current().pid() + "-"
                + java.util.HexFormat.of().formatHex(r);
    }

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
        return register(factory, config, store, options, defaultWorkerQueue());
    }

    /** As above, polling {@code workerQueue} as this process's own queue. */
    public static Worker register(WorkerFactory factory, ControlWorkerConfig config, StateStore store,
                                  io.temporal.worker.WorkerOptions options, String workerQueue) {
        return register(factory, options, workerQueue, new ControlLoopActivitiesImpl(config,
                io.foresight.core.engine.CycleEngine.Parts.DEFAULTS, store));
    }

    private static Worker register(WorkerFactory factory, io.temporal.worker.WorkerOptions options, String workerQueue,
                                   ControlLoopActivitiesImpl activities) {
        Objects.requireNonNull(factory, "factory");
        if (workerQueue.equals(TaskQueues.CONTROL)) {
            throw new IllegalArgumentException("a worker's own queue must not be the shared " + TaskQueues.CONTROL);
        }
        Worker worker = factory.newWorker(TaskQueues.CONTROL, options);
        worker.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        worker.registerActivitiesImplementations(activities, new WorkerQueueActivity(workerQueue));
        factory.newWorker(workerQueue, options).registerActivitiesImplementations(activities);
        return worker;
    }

    /**
     * A control worker running the engine with {@code parts} (e.g. the demo, which shows the learned headroom that is
     * off by default), its state in files under the config's state dir.
     */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config,
                                      io.foresight.core.engine.CycleEngine.Parts parts) {
        WorkerFactory factory = WorkerFactory.newInstance(Objects.requireNonNull(client, "client"));
        register(factory, io.temporal.worker.WorkerOptions.getDefaultInstance(), defaultWorkerQueue(),
                new ControlLoopActivitiesImpl(config, parts, new FileStateStore(config.stateDir())));
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
        return start(client, config, store, options, defaultWorkerQueue());
    }

    /** As above, with {@code workerQueue} as this process's own queue. */
    public static WorkerFactory start(WorkflowClient client, ControlWorkerConfig config, StateStore store,
                                      io.temporal.worker.WorkerOptions options, String workerQueue) {
        WorkerFactory factory = WorkerFactory.newInstance(Objects.requireNonNull(client, "client"));
        register(factory, config, store, options, workerQueue);
        factory.start();
        return factory;
    }
}
