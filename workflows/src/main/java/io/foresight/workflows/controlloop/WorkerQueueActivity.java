package io.foresight.workflows.controlloop;

import java.util.Objects;

/** A control worker's answer to {@link ControlWorkerActivities#workerQueue()}: the queue it was started with. */
public record WorkerQueueActivity(String queue) implements ControlWorkerActivities {
    public WorkerQueueActivity {
        Objects.requireNonNull(queue, "queue");
    }

    @Override
    public String workerQueue() {
        return queue;
    }
}
