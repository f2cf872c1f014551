package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.FakeActivities.Call;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainResult;
import io.foresight.workflows.retrain.RetrainingWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlLoopWorkflowTest {
    static final List<String> STAGES = List.of("collect", "predict", "plan", "checkPoolPolicy", "allocate", "monitor",
            "feedback");
    static final List<RetrainRequest> RETRAINS = Collections.synchronizedList(new ArrayList<>());

    public static class RecordingRetraining implements RetrainingWorkflow {
        @Override
        public RetrainResult retrain(RetrainRequest request) {
            RETRAINS.add(request);
            return null;
        }
    }

    private TestWorkflowEnvironment env;
    private FakeActivities acts;
    private WorkflowClient client;

    private void start(FakeActivities fake) {
        acts = fake;
        env = TestWorkflowEnvironment.newInstance();
        // a loaded 2-core build machine can stall a workflow thread past the default 1 s deadlock detector
        Worker w = env.newWorker(TaskQueues.CONTROL,
                WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
        w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        w.registerActivitiesImplementations(fake);
        Worker training = env.newWorker(TaskQueues.TRAINING);
        training.registerWorkflowImplementationTypes(RecordingRetraining.class);
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void stop() {
        if (env != null) {
            env.close();
        }
    }

    static ControlLoopParams params(int shardSize, int perRun, long max) {
        return ControlLoopParams.of("pool-a", "trace:/data/slice.csv.gz").withShardSize(shardSize)
                .withAcceleration(300).withCycles(perRun, max).withApprovalTimeout(Duration.ofMinutes(10));
    }

    private ControlLoopWorkflow newLoop() {
        return client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(ControlLoopWorkflow.workflowId("pool-a")).setTaskQueue(TaskQueues.CONTROL).build());
    }

    private static LoopState awaitState(ControlLoopWorkflow loop, Predicate<LoopState> ok) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            LoopState s = loop.state();
            if (ok.test(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("state not reached in 20 s; last: " + loop.state());
    }

    @Test
    void everyCycleRunsTheStagesInOrderOverAllShards() {
        start(new FakeActivities(5)); // 5 users in shards of 2 -> 3 shards
        LoopState end = newLoop().run(params(2, 10, 3));

        assertEquals(3, end.cycle());
        assertTrue(end.finished());
        for (long c = 0; c < 3; c++) {
            long cycle = c;
            List<Call> mine = acts.calls.stream().filter(k -> k.cycle() == cycle).toList();
            List<String> stageOrder = new ArrayList<>();
            for (Call k : mine) {
                if (stageOrder.isEmpty() || !stageOrder.get(stageOrder.size() - 1).equals(k.step())) {
                    stageOrder.add(k.step());
                }
            }
            assertEquals(STAGES, stageOrder, "cycle " + c + " ran " + mine);
            assertEquals(1, mine.stream().filter(k -> k.step().equals("checkPoolPolicy")).count(),
                    "one policy check per cycle over the whole pool");
            for (String shardStage : List.of("collect", "predict", "plan", "allocate")) {
                Set<Integer> shards = new HashSet<>();
                mine.stream().filter(k -> k.step().equals(shardStage)).forEach(k -> shards.add(k.shard()));
                assertEquals(Set.of(0, 1, 2), shards, shardStage + " in cycle " + c);
            }
        }
        // each stage consumes the reference the previous one produced for the same shard
        assertTrue(acts.calls("predict").stream().allMatch(k -> k.detail().equals("collect/" + k.key())));
        assertTrue(acts.calls("plan").stream().allMatch(k -> k.detail().equals("forecast/" + k.key())));
    }

    @Test
    void queryReportsPlanDecisionsModelAndOutcome() {
        start(new FakeActivities(4));
        ControlLoopWorkflow loop = newLoop();
        loop.run(params(2, 10, 2));
        LoopState s = loop.state();
        assertEquals("pool-a", s.pool());
        assertEquals(2, s.cycle());
        assertEquals(AllocationMode.ENFORCE, s.mode());
        assertEquals("fake-model/7", s.modelVersion());
        assertEquals(List.of("plan/pool-a/1/0", "plan/pool-a/1/1"), s.lastPlanRefs());
        assertEquals("2 users, 2 changes (2 up, 0 down)", s.lastPlanSummary());
        assertEquals(java.util.Map.of("BATCH", 2), s.usersPerPattern(), "users per pattern summed over the shards");
        assertEquals("2 approved, 0 adjusted, 0 denied, 0 waiting approval", s.lastDecisionsSummary());
        assertEquals(2, s.lastRulesFired().get("max-step-up"));
        assertEquals("monitor/pool-a/1/pool", s.lastSummaryRef());
        assertEquals(4, s.lastOutcome().users());
        assertTrue(s.pendingApprovals().isEmpty());
    }

    @Test
    void aRefusedChampionIsInTheStateQueryWhileTheLastGoodModelServesAndClearsWhenItIsNoLongerRefused() throws Exception {
        FakeActivities fake = new FakeActivities(4);
        fake.refusedOnShard = 1; // reported by any shard's predict
        String why = "foresight-forecaster/v9 refused: artifact does not load: no passed gate result";
        fake.refusedAt.put(1L, why);
        fake.refusedAt.put(2L, why);
        start(fake);
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(2, 10, 4));
        LoopState refused = awaitState(loop, s -> s.cycle() >= 2 && !s.modelRefusal().isEmpty());
        assertEquals(why, refused.modelRefusal());
        assertEquals("fake-model/7", refused.modelVersion(), "the last good model is the one in use");
        assertEquals(0, refused.failedCycles(), "a refusal is not a failed cycle");
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);
        assertEquals("", end.modelRefusal(), "cycle 3 predicted without a refusal");
        assertTrue(end.finished());
    }

    @Test
    void everyActivityHasAHeartbeatTimeoutSoADeadWorkerIsNoticedInSeconds() {
        start(new FakeActivities(4));
        newLoop().run(params(2, 10, 2));
        Set<String> seen = new HashSet<>();
        for (HistoryEvent e : client.fetchHistory(ControlLoopWorkflow.workflowId("pool-a")).getEvents()) {
            if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                var a = e.getActivityTaskScheduledEventAttributes();
                seen.add(a.getActivityType().getName());
                long beat = a.getHeartbeatTimeout().getSeconds();
                assertTrue(beat > 0 && beat <= 10, a.getActivityType().getName() + " heartbeat timeout " + beat + " s");
            }
        }
        assertTrue(seen.containsAll(Set.of("Monitor", "Feedback", "Collect", "Predict", "Plan", "CheckPoolPolicy", "Allocate")),
                seen.toString());
    }

    @Test
    void freezeReachesThePolicyCheckFromTheNextCycleAndSurvivesContinueAsNew() throws Exception {
        start(new FakeActivities(2));
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(2, 2, 40));
        env.sleep(Duration.ofSeconds(2)); // a cycle's sleep is 1 s of workflow time here
        loop.freeze("test-operator");
        LoopState frozen = awaitState(loop, LoopState::frozen);
        long from = frozen.cycle() + 1;
        env.sleep(Duration.ofSeconds(6)); // several cycles, across at least one continue-as-new (2 cycles per run)
        assertTrue(loop.state().cycle() >= from + 3, "cycles ran while frozen: " + loop.state());
        loop.unfreeze("test-operator");
        LoopState thawed = awaitState(loop, st -> !st.frozen());
        long after = thawed.cycle() + 1;
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);
        assertFalse(end.frozen());
        List<Call> checks = acts.calls("checkPoolPolicy");
        assertTrue(checks.stream().filter(k -> k.cycle() >= from && k.cycle() < thawed.cycle())
                .allMatch(k -> k.detail().endsWith("frozen")), "frozen cycles: " + checks);
        assertTrue(checks.stream().filter(k -> k.cycle() > after).noneMatch(k -> k.detail().endsWith("frozen")),
                "after unfreeze: " + checks);
        assertTrue(checks.stream().anyMatch(k -> k.cycle() > after), "cycles ran after the unfreeze: " + checks);
    }

    @Test
    void anUnreadableSourceAtStartOrAtContinueAsNewHoldsInsteadOfFailingTheLoop() {
        FakeActivities fake = new FakeActivities(2);
        fake.describeFailsAt.add(1); // the first run's start: no shard count known yet ...
        fake.describeFailsAt.add(2); // ... nor at cycle 0's retry: cycle 0 holds
        fake.describeFailsAt.add(4); // the second run's start (continue-as-new): the carried count is used
        start(fake);
        LoopState end = newLoop().run(params(2, 3, 7));
        assertTrue(end.finished(), "the loop ran to its end: " + end);
        assertEquals(7, end.cycle());
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L), new HashSet<>(acts.calls("collect").stream().map(Call::cycle).toList()),
                "cycle 0 held (no shard count), every later cycle ran");
        assertEquals("", end.lastFailure());
    }

    @Test
    void pauseStopsCyclesUntilResume() throws Exception {
        start(new FakeActivities(2));
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(2, 100, 6));
        awaitState(loop, s -> s.cycle() >= 2);
        loop.pause();
        LoopState paused = awaitState(loop, LoopState::paused);
        env.sleep(Duration.ofHours(3)); // 3 hours of intervals pass while paused
        int collectsWhilePaused = acts.calls("collect").size();
        env.sleep(Duration.ofHours(3));
        assertEquals(collectsWhilePaused, acts.calls("collect").size(), "no cycle may run while paused");
        assertTrue(loop.state().cycle() <= paused.cycle() + 1, "at most the cycle in flight finishes");
        loop.resume();
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);
        assertEquals(6, end.cycle());
        assertFalse(end.paused());
        assertEquals(6, acts.calls("collect").size(), "every cycle ran exactly once");
    }

    @Test
    void continuesAsNewEveryNCyclesCarryingCycleAndMode() {
        start(new FakeActivities(1));
        ControlLoopWorkflow loop = newLoop();
        // start paused (as a carried-over run would), so the mode change lands before the first cycle
        WorkflowClient.start(loop::run, params(1, 2, 5).withCarry(new LoopCarry(0, true, AllocationMode.ENFORCE, null)));
        String firstRun = WorkflowStub.fromTyped(loop).getExecution().getRunId();
        loop.setMode(AllocationMode.DRY_RUN);
        loop.resume();
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        assertEquals(5, end.cycle());
        assertEquals(AllocationMode.DRY_RUN, end.mode(), "mode survives continue-as-new");
        List<Long> cycles = acts.calls("collect").stream().map(Call::cycle).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), cycles, "no cycle lost or repeated across runs");
        assertEquals(3, acts.calls("describePool").size(), "runs of 2+2+1 cycles");
        WorkflowExecutionHistory h = client.fetchHistory(ControlLoopWorkflow.workflowId("pool-a"), firstRun);
        List<HistoryEvent> events = h.getEvents();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, events.get(events.size() - 1).getEventType());
        assertTrue(acts.calls("allocate").isEmpty(), "dry-run applies nothing, also after continue-as-new");
    }

    @Test
    void continuesAsNewEarlyWhenManyShardsGrowTheHistory() {
        start(new FakeActivities(50)); // 50 shards of 1 user: about 800 events per cycle
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(1, 100, 16));
        String firstRun = WorkflowStub.fromTyped(loop).getExecution().getRunId();
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        assertEquals(16, end.cycle());
        List<HistoryEvent> first = client.fetchHistory(ControlLoopWorkflow.workflowId("pool-a"), firstRun).getEvents();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, first.get(first.size() - 1).getEventType(),
                "continued as new before cyclesPerRun (100) because of the history length");
        assertTrue(first.size() < ControlLoopWorkflowImpl.MAX_HISTORY_EVENTS + 1_000, "history bounded: " + first.size());
        assertEquals(16 * 50, acts.calls("allocate").size(), "no cycle lost or repeated across the early restart");
    }

    /** Events of the run's history from its first collect scheduled on (the cycles, not the run's start), but workflow tasks. */
    private int cycleEvents(String runId) {
        List<HistoryEvent> events = client.fetchHistory(ControlLoopWorkflow.workflowId("pool-a"), runId).getEvents();
        int first = 0;
        while (first < events.size() && !(events.get(first).getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                && events.get(first).getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Collect"))) {
            first++;
        }
        // workflow tasks are left out: how many the server batches completions into depends on timing, not on users
        return (int) events.subList(first, events.size()).stream().filter(e -> !e.getEventType().name().startsWith("EVENT_TYPE_WORKFLOW_TASK")).count();
    }

    private int fixedShardCountRun(int users) {
        start(new FakeActivities(users));
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(500, 2, 5).withShardCount(4));
        String firstRun = WorkflowStub.fromTyped(loop).getExecution().getRunId();
        assertEquals(5, WorkflowStub.fromTyped(loop).getResult(LoopState.class).cycle());
        int size = (users + 3) / 4;
        for (long c = 0; c < 5; c++) {
            long cycle = c;
            // every cycle, also after continue-as-new (every 2 cycles), four shards covering the pool
            assertEquals(List.of("users 0+" + size, "users " + size + "+" + size, "users " + 2 * size + "+" + size,
                    "users " + 3 * size + "+" + size), acts.calls("collect").stream().filter(x -> x.cycle() == cycle)
                    .sorted(java.util.Comparator.comparingInt(Call::shard)).map(Call::detail).toList(), "cycle " + c);
        }
        int events = cycleEvents(firstRun);
        env.close();
        env = null;
        return events;
    }

    @Test
    void aFixedShardCountKeepsTheHistoryPerCycleIndependentOfThePoolSize() {
        int small = fixedShardCountRun(40);
        int large = fixedShardCountRun(100_000);
        assertEquals(small, large, "the same events per cycle for 40 and 100,000 users");
    }

    @Test
    void approvedChangeIsPassedToAllocate() throws Exception {
        FakeActivities fake = new FakeActivities(2);
        fake.waitingAt.put(0L, List.of("pool-a/0/user-1"));
        start(fake);
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(1, 10, 1));
        LoopState waiting = awaitState(loop, s -> !s.pendingApprovals().isEmpty());
        assertEquals(List.of("pool-a/0/user-1"), waiting.pendingApprovals());
        assertTrue(acts.calls("allocate").isEmpty(), "nothing applies before the decision");
        loop.approve("pool-a/0/unknown", true, "alice"); // ignored: not pending
        loop.approve("pool-a/0/user-1", true, "alice");
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        List<Call> allocs = acts.calls("allocate");
        assertEquals(2, allocs.size());
        assertEquals("pool-a/0/user-1", allocs.stream().filter(c -> c.shard() == 0).findFirst().orElseThrow().detail());
        assertEquals("", allocs.stream().filter(c -> c.shard() == 1).findFirst().orElseThrow().detail());
        assertTrue(end.pendingApprovals().isEmpty());
    }

    @Test
    void undecidedChangeKeepsCurrentAllocationAfterTimeout() {
        FakeActivities fake = new FakeActivities(1);
        fake.waitingAt.put(0L, List.of("pool-a/0/user-1"));
        start(fake);
        ControlLoopWorkflow loop = newLoop();
        long t0 = env.currentTimeMillis();
        LoopState end = loop.run(params(1, 10, 1).withApprovalTimeout(Duration.ofMinutes(7)));

        assertTrue(env.currentTimeMillis() - t0 >= Duration.ofMinutes(7).toMillis(), "waited the approval timeout");
        List<Call> allocs = acts.calls("allocate");
        assertEquals(1, allocs.size());
        assertEquals("", allocs.get(0).detail(), "no approval: the waiting change is not applied");
        assertTrue(end.pendingApprovals().isEmpty());
    }

    @Test
    void rejectedChangeIsNotApplied() throws Exception {
        FakeActivities fake = new FakeActivities(1);
        fake.waitingAt.put(0L, List.of("pool-a/0/user-1"));
        start(fake);
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(1, 10, 1));
        awaitState(loop, s -> !s.pendingApprovals().isEmpty());
        loop.approve("pool-a/0/user-1", false, "bob");
        WorkflowStub.fromTyped(loop).getResult(LoopState.class);
        assertEquals("", acts.calls("allocate").get(0).detail());
    }

    @Test
    void idempotencyKeysAreDistinctPerCycleAndShardAndStableAcrossRetries() {
        FakeActivities fake = new FakeActivities(3);
        fake.failFirstAllocate = true;
        start(fake);
        newLoop().run(params(2, 10, 3));

        List<String> keys = acts.calls("allocate").stream().map(Call::key).toList();
        Set<String> expected = Set.of("pool-a/0/0", "pool-a/0/1", "pool-a/1/0", "pool-a/1/1", "pool-a/2/0", "pool-a/2/1");
        assertEquals(expected, new HashSet<>(keys));
        for (String k : expected) {
            assertEquals(2, keys.stream().filter(k::equals).count(), "retry of " + k + " reuses its key");
        }
        Set<String> monitorKeys = new HashSet<>();
        acts.calls("monitor").forEach(c -> monitorKeys.add(c.key()));
        assertEquals(Set.of("pool-a/0/pool", "pool-a/1/pool", "pool-a/2/pool"), monitorKeys);
    }

    @Test
    void failedCycleIsSkippedAndTheLoopGoesOn() {
        FakeActivities fake = new FakeActivities(1);
        fake.collectFailsAt.add(1L);
        start(fake);
        LoopState end = newLoop().run(params(1, 10, 3));
        assertEquals(3, end.cycle());
        assertEquals(1, end.failedCycles());
        assertTrue(acts.calls("allocate").stream().noneMatch(c -> c.cycle() == 1), "failed cycle applies nothing");
        assertEquals(2, acts.calls("allocate").size());
    }

    @Test
    void loopEndsWhenTheDataEnds() {
        FakeActivities fake = new FakeActivities(1);
        fake.dataEndsAt = 2;
        start(fake);
        LoopState end = newLoop().run(params(1, 10, 0));
        assertTrue(end.finished());
        assertEquals(2, end.cycle());
        assertEquals(2, acts.calls("allocate").size());
    }

    @Test
    void driftStartsRetrainingOnTheTrainingQueueWhenEnabled() {
        RETRAINS.clear();
        FakeActivities fake = new FakeActivities(1);
        fake.retrainAt.add(1L);
        start(fake);
        LoopState end = newLoop().run(params(1, 10, 3).withRetraining(true));
        assertEquals(1, end.retrainingRequests());
        long deadline = System.currentTimeMillis() + 10_000;
        while (RETRAINS.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
        // retraining reads only what the loop has seen: up to the end of cycle 1's interval (1,000,300 + 300 s)
        assertEquals(List.of(RetrainRequest.defaults(List.of("/data/slice.csv.gz"), 0).withEndTime(1_000_600)), RETRAINS);
    }

    @Test
    void driftDoesNotStartRetrainingWhenDisabled() {
        FakeActivities fake = new FakeActivities(1);
        fake.retrainAt.add(1L);
        start(fake);
        LoopState end = newLoop().run(params(1, 10, 3));
        assertEquals(0, end.retrainingRequests());
    }

    @Test
    void aRefusedApplyIsASafeHoldShownInTheStateNotAFailedCycle() {
        FakeActivities fake = new FakeActivities(4);
        fake.actuatorRefusesAt.add(1L);
        start(fake);
        PoolSettings k8s = new PoolSettings(null, "batch", "staging", null, "kubernetes", "/etc/kube/config", "ctx", "t-");
        ControlLoopWorkflow loop = newLoop();
        LoopState end = loop.run(params(2, 10, 3).withSettings(k8s));
        assertEquals(3, end.cycle(), "the loop went on after the refusal");
        assertEquals(0, end.failedCycles(), "a refusal is a hold, not a failure");
        assertEquals("", end.lastHold(), "cycle 2 applied again, so nothing is held any more");
        assertEquals(6, fake.settingsSeen.size());
        assertTrue(fake.settingsSeen.stream().allMatch(k8s::equals), "every shard task carries the pool's settings");
    }

    @Test
    void theStateSaysWhyTheLastCycleWasHeld() throws InterruptedException {
        FakeActivities fake = new FakeActivities(4);
        fake.actuatorRefusesAt.add(1L);
        start(fake);
        ControlLoopWorkflow loop = newLoop();
        WorkflowClient.start(loop::run, params(2, 10, 2));
        LoopState s = awaitState(loop, LoopState::finished);
        assertTrue(s.lastHold().startsWith("cycle 1: changes held, the actuator's target refused them (1 of 2 shard(s)); "
                + "shard 0: 403 Forbidden"), s.lastHold());
        assertEquals(0, s.failedCycles());
    }
}
