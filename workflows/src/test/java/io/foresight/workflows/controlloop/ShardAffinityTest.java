package io.foresight.workflows.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.FakeActivities.Call;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shard affinity with mocked activities: the shared queue's worker answers the workers' question for two worker
 * queues ("q-a", "q-b", each its own worker factory, as its own process would be), and the test reads which fake ran
 * which shard's steps.
 */
class ShardAffinityTest {
    static final List<String> PER_SHARD = List.of("collect", "predict", "plan", "allocate");

    /** Answers for the live worker queues in turn, as the workers polling the shared queue would. */
    public static final class Probe implements ControlWorkerActivities {
        final List<String> alive = new CopyOnWriteArrayList<>();
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public String workerQueue() {
            return alive.get(asked.getAndIncrement() % alive.size());
        }
    }

    private TestWorkflowEnvironment env;
    private final FakeActivities shared = new FakeActivities(4);
    private final Map<String, FakeActivities> fakes = new TreeMap<>();
    private final Map<String, WorkerFactory> factories = new TreeMap<>();
    private final Probe probe = new Probe();

    private WorkflowClient start(String... queues) {
        env = TestWorkflowEnvironment.newInstance();
        var w = env.newWorker(TaskQueues.CONTROL, WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
        w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        w.registerActivitiesImplementations(shared, probe);
        for (String q : queues) {
            FakeActivities f = new FakeActivities(4);
            WorkerFactory factory = WorkerFactory.newInstance(env.getWorkflowClient());
            factory.newWorker(q).registerActivitiesImplementations(f);
            fakes.put(q, f);
            factories.put(q, factory);
            probe.alive.add(q);
        }
        env.start();
        factories.values().forEach(WorkerFactory::start);
        return env.getWorkflowClient();
    }

    @AfterEach
    void stop() {
        factories.values().forEach(WorkerFactory::shutdownNow);
        if (env != null) {
            env.close();
        }
    }

    private static ControlLoopWorkflow newLoop(WorkflowClient client) {
        return client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId(ControlLoopWorkflow.workflowId("pool-a")).setTaskQueue(TaskQueues.CONTROL).build());
    }

    /** The queues whose fake ran {@code step} of {@code shard} at {@code cycle}. */
    private Set<String> ranOn(String step, long cycle, int shard) {
        return fakes.entrySet().stream().filter(e -> e.getValue().calls(step).stream()
                        .anyMatch(c -> c.cycle() == cycle && c.shard() == shard))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    @Test
    void shardsRunEveryPerShardStepOnTheirLearnedWorkerAcrossContinueAsNew() {
        WorkflowClient client = start("q-a", "q-b");
        ControlLoopWorkflow loop = newLoop(client);
        // 4 shards of one user, continue-as-new every 2 cycles: the shard-to-worker map travels in the carry
        WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 2, 5));
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        assertEquals(5, end.cycle());
        assertEquals(0, end.failedCycles());
        // the two workers answered in turn; shards balanced by the fewest held, ties by queue name
        Map<Integer, String> expected = Map.of(0, "q-a", 1, "q-b", 2, "q-a", 3, "q-b");
        for (long c = 0; c < 5; c++) {
            for (int s = 0; s < 4; s++) {
                for (String step : PER_SHARD) {
                    assertEquals(Set.of(expected.get(s)), ranOn(step, c, s), step + " of cycle " + c + " shard " + s);
                }
            }
        }
        for (String step : PER_SHARD) {
            assertTrue(shared.calls(step).isEmpty(), "no shard step on the shared queue: " + shared.calls(step));
        }
        // the pool-wide steps stay on the shared queue
        for (String step : List.of("checkPoolPolicy", "monitor", "feedback")) {
            assertEquals(5, shared.calls(step).size(), step);
        }
        // asked (2 per shard) in the first cycle, and again at the start of the two runs after it to rebalance, which
        // moved nothing: the carry kept a balanced map
        assertEquals(24, probe.asked.get(), "8 questions in cycles 0, 2 and 4");
    }

    @Test
    void aShardWhoseWorkerIsGoneRunsOnTheSharedQueueThenMovesToALiveWorkerLosingNothing() throws Exception {
        WorkflowClient client = start("q-a", "q-b");
        ControlLoopWorkflow loop = newLoop(client);
        WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 100, 6));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (loop.state().cycle() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long killedAt = loop.state().cycle();
        // worker b is gone: its queue has no poller, and it no longer answers on the shared queue
        probe.alive.remove("q-b");
        factories.get("q-b").shutdownNow();
        factories.get("q-b").awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        int answeredBefore = probe.asked.get();
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        assertEquals(6, end.cycle());
        assertEquals(0, end.failedCycles(), "no cycle lost to the gone worker: " + end.lastFailure());
        // every (cycle, shard) allocated, on some worker: none lost
        for (long c = 0; c < 6; c++) {
            for (int s = 0; s < 4; s++) {
                long cycle = c;
                int shard = s;
                boolean allocated = shared.calls("allocate").stream().anyMatch(x -> x.cycle() == cycle && x.shard() == shard)
                        || !ranOn("allocate", c, s).isEmpty();
                assertTrue(allocated, "cycle " + c + " shard " + s + " allocated");
            }
        }
        // b's shards waited for their worker, ran on the shared queue, and from the next cycle on the live worker
        List<HistoryEvent> events = client.fetchHistory(ControlLoopWorkflow.workflowId("pool-a")).getEvents();
        assertTrue(events.stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
                        && e.getActivityTaskTimedOutEventAttributes().getFailure().getTimeoutFailureInfo().getTimeoutType()
                        == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START),
                "a step timed out waiting for the gone worker");
        assertTrue(shared.calls.stream().anyMatch(c -> PER_SHARD.contains(c.step()) && c.cycle() >= killedAt),
                "the waiting step ran on the shared queue");
        for (int s = 0; s < 4; s++) {
            for (String step : PER_SHARD) {
                assertEquals(Set.of("q-a"), ranOn(step, 5, s), step + " of the last cycle, shard " + s);
            }
        }
        assertTrue(probe.asked.get() > answeredBefore, "the moved shards asked the workers again");
        List<Call> lastCollects = fakes.get("q-a").calls("collect").stream().filter(c -> c.cycle() == 5).toList();
        assertEquals(4, lastCollects.size());
    }

    @Test
    void aWorkerThatJoinsTakesItsShareOfTheShardsWhenTheNextRunStarts() throws Exception {
        WorkflowClient client = start("q-a", "q-b");
        probe.alive.remove("q-b"); // b polls its queue but has not joined the pool's workers yet: it answers nothing
        ControlLoopWorkflow loop = newLoop(client);
        // continue-as-new every 2 cycles: the second run starts at cycle 2 with a rebalance
        WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 2, 4));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (loop.state().cycle() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        probe.alive.add("q-b"); // b joins during cycle 1
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);

        assertEquals(4, end.cycle());
        assertEquals(0, end.failedCycles());
        assertEquals(Map.of(0, "q-a", 1, "q-a", 2, "q-b", 3, "q-b"), end.shardWorkers(), "the state shows the map");
        for (String step : PER_SHARD) {
            for (int s = 0; s < 4; s++) {
                assertEquals(Set.of("q-a"), ranOn(step, 1, s), step + " of cycle 1 shard " + s + ": a held every shard");
                // the two highest shards moved, the others stayed (their workers' histories are kept)
                Set<String> after = Set.of(s < 2 ? "q-a" : "q-b");
                assertEquals(after, ranOn(step, 2, s), step + " of cycle 2 shard " + s);
                assertEquals(after, ranOn(step, 3, s), step + " of cycle 3 shard " + s);
            }
        }
    }

    @Test
    void workersWithoutAQueueOfTheirOwnKeepEveryShardOnTheSharedQueue() {
        env = TestWorkflowEnvironment.newInstance();
        var w = env.newWorker(TaskQueues.CONTROL, WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
        w.registerWorkflowImplementationTypes(ControlLoopWorkflowImpl.class);
        w.registerActivitiesImplementations(shared); // a worker of a build before shard affinity: no WorkerQueue activity
        env.start();
        ControlLoopWorkflow loop = newLoop(env.getWorkflowClient());
        WorkflowClient.start(loop::run, ControlLoopWorkflowTest.params(1, 100, 3));
        LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);
        assertEquals(3, end.cycle());
        assertEquals(0, end.failedCycles());
        assertEquals(12, shared.calls("allocate").size());
        long probes = env.getWorkflowClient().fetchHistory(ControlLoopWorkflow.workflowId("pool-a")).getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                        && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("WorkerQueue"))
                .count();
        assertEquals(8, probes, "asked once; nobody answered, so not again this run");
    }
}
