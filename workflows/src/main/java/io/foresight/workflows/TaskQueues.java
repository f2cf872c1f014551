package io.foresight.workflows;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Names of the Temporal task queues; workers and clients must agree on them. */
public final class TaskQueues {
    /** The per-pool control loops and their activities. */
    public static final String CONTROL = "foresight-control";
    /** Model retraining (Spark jobs, MLflow registration); kept apart so training never starves the loop. */
    public static final String TRAINING = "foresight-training";

    private TaskQueues() {}

    /**
     * A queue only this control worker process polls, next to {@link #CONTROL}: {@code foresight-control@HOST-PID-RANDOM}.
     * The random part makes a restarted process a new worker (its memory is empty, so the loop must not count on it),
     * and two processes on one host never share a name.
     */
    public static String workerQueue() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        return CONTROL + "@" + host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r);
    }
}
