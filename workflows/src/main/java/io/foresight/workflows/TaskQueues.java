package io.foresight.workflows;

/** Names of the Temporal task queues; workers and clients must agree on them. */
public final class TaskQueues {
    /** The per-pool control loops and their activities. */
    public static final String CONTROL = "foresight-control";
    /** Model retraining (Spark jobs, MLflow registration); kept apart so training never starves the loop. */
    public static final String TRAINING = "foresight-training";

    private TaskQueues() {}

    /** Prefix of a control worker process's own queue ({@code foresight-control@...}); the name is made by the worker. */
    public static final String WORKER_QUEUE_PREFIX = CONTROL + "@";
}
