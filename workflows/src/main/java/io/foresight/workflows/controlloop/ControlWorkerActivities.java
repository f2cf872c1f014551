package io.foresight.workflows.controlloop;

import io.temporal.activity.ActivityInterface;

/**
 * What a control worker process says about itself. Every control worker polls the shared control queue and a task
 * queue of its own (`ControlWorker.newWorkerQueue` in the activities module); the loop asks this on the shared queue,
 * so whichever worker answers names its own queue, and the loop pins a shard's per-shard steps there: the users'
 * histories that worker keeps in memory are reused every cycle instead of being rebuilt on another process.
 */
@ActivityInterface
public interface ControlWorkerActivities {
    /** The task queue only this worker process polls. */
    String workerQueue();
}
