package io.foresight.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.activities.controlloop.FileStateStore;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control workers with the real activities ({@link ControlWorker#register}, each its own factory as its own process
 * would have, one state dir as one host has) on the in-memory Temporal test server: every shard's per-shard steps of
 * every cycle were scheduled on one worker's own queue, and every allocation was applied once.
 */
class ShardAffinityWorkersTest {
    @TempDir
    Path state;

    @Test
    void eachShardsStepsRunOnOneWorkerEveryCycle() throws Exception {
        Path slice = Path.of(getClass().getResource("/bitbrains/rnd-2013-07-6vm-700rows.csv.gz").toURI());
        SimulatedCluster cluster = new SimulatedCluster(state.resolve("cluster"));
        List<String> queues = List.of(TaskQueues.CONTROL + "@test-a", TaskQueues.CONTROL + "@test-b");
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            env.start();
            List<WorkerFactory> factories = new java.util.ArrayList<>();
            for (String q : queues) {
                WorkerFactory f = WorkerFactory.newInstance(env.getWorkflowClient());
                ControlWorker.register(f, ControlWorkerConfig.defaults(state).withMetrics(new PrometheusRegistry())
                                .withActuator(cluster), new FileStateStore(state),
                        WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build(), q);
                f.start();
                factories.add(f);
            }
            try {
                ControlLoopWorkflow loop = env.getWorkflowClient().newWorkflowStub(ControlLoopWorkflow.class,
                        WorkflowOptions.newBuilder().setWorkflowId(ControlLoopWorkflow.workflowId("p1"))
                                .setTaskQueue(TaskQueues.CONTROL).build());
                // 6 users in 3 shards; continue-as-new every 2 cycles (the shard map travels in the carry)
                io.temporal.client.WorkflowClient.start(loop::run, ControlLoopParams.of("p1", "trace:" + slice).withShardSize(2).withCycles(2, 5));
                String firstRun = io.temporal.client.WorkflowStub.fromTyped(loop).getExecution().getRunId();
                LoopState end = io.temporal.client.WorkflowStub.fromTyped(loop).getResult(LoopState.class);
                assertEquals(5, end.cycle());
                assertEquals(0, end.failedCycles(), end.lastFailure());

                // which queues each shard's steps were scheduled on, over every run of the loop
                Map<Integer, Set<String>> shardQueues = new TreeMap<>();
                Set<String> steps = Set.of("Collect", "Predict", "Plan", "Allocate");
                ObjectMapper json = new ObjectMapper();
                int scheduled = 0;
                for (String run : runs(env, "p1", firstRun)) {
                    for (HistoryEvent e : env.getWorkflowClient().fetchHistory(ControlLoopWorkflow.workflowId("p1"), run).getEvents()) {
                        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                                && steps.contains(e.getActivityTaskScheduledEventAttributes().getActivityType().getName())) {
                            var a = e.getActivityTaskScheduledEventAttributes();
                            int shard = json.readTree(a.getInput().getPayloads(0).getData().toStringUtf8()).path("shard").asInt();
                            shardQueues.computeIfAbsent(shard, k -> new TreeSet<>()).add(a.getTaskQueue().getName());
                            scheduled++;
                        }
                    }
                }
                assertEquals(5 * 3 * 4, scheduled, "4 steps of 3 shards in 5 cycles, none repeated");
                assertEquals(Set.of(0, 1, 2), shardQueues.keySet());
                Map<String, Integer> held = new TreeMap<>();
                for (var e : shardQueues.entrySet()) {
                    assertEquals(1, e.getValue().size(), "shard " + e.getKey() + " ran on one worker: " + e.getValue());
                    String q = e.getValue().iterator().next();
                    assertTrue(queues.contains(q), "on a worker's own queue, not the shared one: " + q);
                    held.merge(q, 1, Integer::sum);
                }
                // the shards spread over the workers that answered (both, unless one took every question)
                if (held.size() == 2) {
                    assertTrue(Math.abs(held.get(queues.get(0)) - held.get(queues.get(1))) <= 1, "balanced: " + held);
                }
                assertEquals(15, cluster.entries("p1").size(), "5 cycles x 3 shards applied once each");
                Set<String> keys = new HashSet<>();
                cluster.entries("p1").forEach(x -> assertTrue(keys.add(x.key()), "applied twice: " + x.key()));
            } finally {
                factories.forEach(WorkerFactory::shutdownNow);
            }
        }
    }

    /** The run ids of a workflow id from its first run on (the continue-as-new chain). */
    private static List<String> runs(TestWorkflowEnvironment env, String pool, String firstRun) {
        List<String> out = new java.util.ArrayList<>();
        String id = ControlLoopWorkflow.workflowId(pool);
        String current = firstRun;
        while (current != null && !current.isEmpty()) {
            out.add(current);
            List<HistoryEvent> events = env.getWorkflowClient().fetchHistory(id, current).getEvents();
            HistoryEvent last = events.get(events.size() - 1);
            current = last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                    ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId() : null;
        }
        return out;
    }
}
