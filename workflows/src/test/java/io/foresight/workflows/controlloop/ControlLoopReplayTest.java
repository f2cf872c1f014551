package io.foresight.workflows.controlloop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Replays a recorded history of the control loop against the current code: a change that is not
 * deterministic (a new activity, a reordered step, a changed timer) without {@link io.temporal.workflow.Workflow#getVersion}
 * fails here. The history covers a cycle with an approval, the versioned feedback stage and a retraining
 * request. To record it again after an intended, versioned change: {@code mvn -pl workflows -am test
 * -Dtest=ControlLoopReplayTest -Dforesight.recordHistory=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ControlLoopReplayTest {
    static final String HISTORY = "histories/control-loop-v1.json";
    /** Recorded after the pool-wide policy check and the freeze signal (version marker pool-policy-check). */
    static final String HISTORY_V2 = "histories/control-loop-v2-pool-policy.json";
    /** Recorded with a fixed shard count (version marker fixed-shard-count). */
    static final String HISTORY_V3 = "histories/control-loop-v3-fixed-shards.json";
    /**
     * Recorded with shard affinity (version marker shard-affinity): the shards' steps on a worker's own queue, the
     * map carried over continue-as-new.
     */
    static final String HISTORY_V4 = "histories/control-loop-v4-shard-affinity.json";
    /**
     * Recorded with shard rebalancing (version marker shard-rebalance): the last run of a loop that a second worker
     * joined, which starts by moving a shard to it. {@link #recordRebalanceHistory} writes it.
     */
    static final String HISTORY_V5 = "histories/control-loop-v5-shard-rebalance.json";

    static WorkflowExecutionHistory load(String resource) throws Exception {
        try (var in = ControlLoopReplayTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, resource + " is missing: record it with -Dforesight.recordHistory=true");
            return WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static boolean hasVersionMarker(WorkflowExecutionHistory h, String changeId) {
        return h.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
                .map(e -> e.getMarkerRecordedEventAttributes())
                .anyMatch(m -> m.getMarkerName().equals("Version") && m.getDetailsOrThrow("changeId").getPayloads(0)
                        .getData().toStringUtf8().equals("\"" + changeId + "\""));
    }

    @Test
    void poolPolicyHistoryWithFreezeReplaysOnTheCurrentCode() throws Exception {
        WorkflowExecutionHistory h = load(HISTORY_V2);
        assertTrue(hasVersionMarker(h, ControlLoopWorkflowImpl.POOL_POLICY_CHANGE),
                "the history must hold the getVersion marker of the pool-wide policy check");
        assertTrue(h.getEvents().stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
                && e.getWorkflowExecutionSignaledEventAttributes().getSignalName().equals("freeze")),
                "the history must hold a freeze signal");
        replay(h, ControlLoopWorkflowImpl.class);
    }

    @Test
    void fixedShardCountHistoryReplaysOnTheCurrentCode() throws Exception {
        WorkflowExecutionHistory h = load(HISTORY_V3);
        assertTrue(hasVersionMarker(h, ControlLoopWorkflowImpl.FIXED_SHARD_COUNT_CHANGE),
                "the history must hold the getVersion marker of the fixed shard count");
        replay(h, ControlLoopWorkflowImpl.class);
    }

    @Test
    void shardAffinityHistoryReplaysOnTheCurrentCode() throws Exception {
        WorkflowExecutionHistory h = load(HISTORY_V4);
        assertTrue(hasVersionMarker(h, ControlLoopWorkflowImpl.SHARD_AFFINITY_CHANGE),
                "the history must hold the getVersion marker of shard affinity");
        assertTrue(h.getEvents().stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                        && e.getActivityTaskScheduledEventAttributes().getTaskQueue().getName().equals(RECORDER_WORKER_QUEUE)),
                "the history must hold shard steps scheduled on the worker's own queue");
        replay(h, ControlLoopWorkflowImpl.class);
    }

    static final String RECORDER_WORKER_QUEUE = TaskQueues.CONTROL + "@recorder";
    static final String RECORDER_JOINED_QUEUE = TaskQueues.CONTROL + "@recorder-joined";

    @Test
    void shardRebalanceHistoryReplaysOnTheCurrentCode() throws Exception {
        WorkflowExecutionHistory h = load(HISTORY_V5);
        assertTrue(hasVersionMarker(h, ControlLoopWorkflowImpl.SHARD_REBALANCE_CHANGE),
                "the history must hold the getVersion marker of shard rebalancing");
        assertTrue(h.getEvents().stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                        && e.getActivityTaskScheduledEventAttributes().getTaskQueue().getName().equals(RECORDER_JOINED_QUEUE)),
                "the history must hold a shard step moved to the worker that joined");
        replay(h, ControlLoopWorkflowImpl.class);
    }

    /** A second worker joins after the first cycle; the last run (cycle 2) starts by rebalancing onto it. */
    @Test
    @EnabledIfSystemProperty(named = "foresight.recordHistory", matches = "true")
    void recordRebalanceHistory() throws Exception {
        FakeActivities fake = new FakeActivities(2);
        ShardAffinityTest.Probe probe = new ShardAffinityTest.Probe();
        probe.alive.add(RECORDER_WORKER_QUEUE);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.CONTROL);
            w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
            w.registerActivitiesImplementations(fake, probe);
            env.newWorker(RECORDER_WORKER_QUEUE).registerActivitiesImplementations(fake);
            env.newWorker(RECORDER_JOINED_QUEUE).registerActivitiesImplementations(fake);
            env.start();
            WorkflowClient client = env.getWorkflowClient();
            String id = ControlLoopWorkflow.workflowId("pool-a");
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
            WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 2, 3).withShardCount(2));
            long deadline = System.currentTimeMillis() + 20_000;
            while (loop.state().cycle() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            probe.alive.add(RECORDER_JOINED_QUEUE);
            WorkflowStub.fromTyped(loop).getResult(LoopState.class);
            WorkflowExecutionHistory history = client.fetchHistory(id); // the last run
            Path out = Path.of("src/test/resources", HISTORY_V5);
            Files.createDirectories(out.getParent());
            Files.writeString(out, history.toJson(true));
        }
    }

    @Test
    void recordedHistoryReplaysOnTheCurrentCode() throws Exception {
        String json;
        try (var in = getClass().getClassLoader().getResourceAsStream(HISTORY)) {
            assertTrue(in != null, HISTORY + " is missing: record it with -Dforesight.recordHistory=true");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        WorkflowExecutionHistory h = WorkflowExecutionHistory.fromJson(json);
        boolean versioned = h.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
                .map(e -> e.getMarkerRecordedEventAttributes())
                .anyMatch(m -> m.getMarkerName().equals("Version") && m.getDetailsOrThrow("changeId").getPayloads(0)
                        .getData().toStringUtf8().equals("\"" + ControlLoopWorkflowImpl.FEEDBACK_STAGE_CHANGE + "\""));
        assertTrue(versioned, "the history must hold the getVersion marker of the feedback stage");
        replay(h, ControlLoopWorkflowImpl.class);
    }

    /**
     * Replays on a worker whose deadlock detector allows 30 s: on a loaded build machine class loading alone
     * can hold a workflow thread past the default 1 s, which is not the non-determinism this test is about.
     */
    static void replay(WorkflowExecutionHistory h, Class<?> impl) throws Exception {
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.CONTROL,
                    WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
            w.registerWorkflowImplementationTypes(impl);
            WorkflowReplayer.replayWorkflowExecution(h, w);
        }
    }

    @Test
    void replayDetectsANonDeterministicChange() throws Exception {
        String json;
        try (var in = getClass().getClassLoader().getResourceAsStream(HISTORY)) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // The same history against a workflow that skips the policy step must be rejected.
        WorkflowExecutionHistory h = WorkflowExecutionHistory.fromJson(json);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> replay(h, SkipsPolicyLoop.class));
        StringBuilder causes = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            causes.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
        }
        assertTrue(causes.toString().contains("NonDeterministic"), causes.toString());
    }

    /** A deliberately incompatible edit of the loop: no policy check before allocating. */
    public static class SkipsPolicyLoop extends ControlLoopWorkflowImpl {
        private final ControlLoopActivities a = io.temporal.workflow.Workflow.newActivityStub(ControlLoopActivities.class,
                io.temporal.activity.ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());

        @Override
        public LoopState run(ControlLoopParams p) {
            a.describePool(p.pool(), p.dataSource());
            ShardTask t = ShardTask.of(p.pool(), p.dataSource(), 0, 0, p.shardSize());
            var c = a.collect(t);
            var f = a.predict(t, c.ref());
            var pl = a.plan(t, f.ref());
            a.allocate(t, pl.ref(), List.of());
            return state();
        }
    }

    /** Wrote {@link #HISTORY_V4} (a single run with an approval, a freeze and a retraining request). */
    @Test
    @EnabledIfSystemProperty(named = "foresight.recordHistory", matches = "true")
    void recordHistory() throws Exception {
        FakeActivities fake = new FakeActivities(2);
        fake.waitingAt.put(1L, List.of("pool-a/1/user-0"));
        fake.retrainAt.add(2L);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            Worker w = env.newWorker(TaskQueues.CONTROL);
            w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
            w.registerActivitiesImplementations(fake, new WorkerQueueActivity(RECORDER_WORKER_QUEUE));
            env.newWorker(RECORDER_WORKER_QUEUE).registerActivitiesImplementations(fake);
            env.newWorker(TaskQueues.TRAINING)
                    .registerWorkflowImplementationTypes(ControlLoopWorkflowTest.RecordingRetraining.class);
            env.start();
            WorkflowClient client = env.getWorkflowClient();
            String id = ControlLoopWorkflow.workflowId("pool-a");
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
            WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 10, 3).withRetraining(true).withShardCount(2));
            long deadline = System.currentTimeMillis() + 20_000;
            while (loop.state().pendingApprovals().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            loop.approve("pool-a/1/user-0", true, "recorder");
            loop.freeze("recorder");
            WorkflowStub.fromTyped(loop).getResult(LoopState.class);
            WorkflowExecutionHistory history = client.fetchHistory(id);
            Path out = Path.of("src/test/resources", HISTORY_V4);
            Files.createDirectories(out.getParent());
            Files.writeString(out, history.toJson(true));
        }
    }
}
