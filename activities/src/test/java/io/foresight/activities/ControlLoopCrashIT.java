package io.foresight.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash story against a real Temporal server: the control worker runs in its own JVM, is killed with
 * SIGKILL while cycle {@value #KILL_AT} is applying allocations, and a new worker takes over. The loop must
 * go on from where it was, and the simulated cluster's journal must hold every (cycle, user) exactly
 * once: nothing lost, nothing applied twice.
 */
class ControlLoopCrashIT {
    static final String POOL = "crash-pool";
    static final int CYCLES = 10;
    static final int KILL_AT = 3;
    static final int SHARD = 2;

    @TempDir
    Path tmp;

    @Test
    void killedWorkerIsReplacedWithoutLosingOrRepeatingAnAllocation() throws Exception {
        Path slice = Path.of(getClass().getResource("/bitbrains/rnd-2013-07-6vm-700rows.csv.gz").toURI());
        Trace trace = BitbrainsReader.read(slice);
        Path state = Files.createDirectories(tmp.resolve("state"));
        SimulatedCluster cluster = new SimulatedCluster(state.resolve("cluster"));
        try (TemporalDevServer server = TemporalDevServer.startOrConnect(tmp)) {
            WorkflowClient client = WorkflowClient.newInstance(server.stubs());
            Process first = startWorker(server.address(), state, "worker-1.log");
            Process second = null;
            try {
                String id = ControlLoopWorkflow.workflowId(POOL) + "-" + System.nanoTime();
                ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                        WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
                ControlLoopParams params = ControlLoopParams.of(POOL, "trace:" + slice).withShardSize(SHARD)
                        .withAcceleration(3000).withCycles(4, CYCLES);
                String firstRun = WorkflowClient.start(loop::run, params).getRunId();

                awaitJournalCycle(cluster, KILL_AT, Duration.ofSeconds(120), first);
                first.destroyForcibly(); // SIGKILL: no shutdown hooks, activities in flight are lost
                long killedAt = System.nanoTime();
                assertTrue(first.waitFor(10, TimeUnit.SECONDS));
                long appliedAtKill = cluster.entries(POOL).size();

                second = startWorker(server.address(), state, "worker-2.log");
                while (cluster.entries(POOL).size() <= appliedAtKill
                        && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(120)) {
                    Thread.sleep(50);
                }
                System.out.printf(java.util.Locale.ROOT, "crash IT: killed during cycle %d with %d keys applied; "
                        + "first new apply %.1f s after the kill%n", KILL_AT, appliedAtKill,
                        (System.nanoTime() - killedAt) / 1e9);
                LoopState end = WorkflowStub.fromTyped(loop).getResult(180, TimeUnit.SECONDS, LoopState.class);

                assertEquals(CYCLES, end.cycle());
                assertTrue(end.finished());
                assertEquals(0, end.failedCycles(), "the crash must not cost a cycle");
                assertTrue(appliedAtKill < (long) CYCLES * 3, "the kill happened before the loop ended");

                // every (cycle, user) applied exactly once, every key once
                Map<String, Integer> perCycleUser = new HashMap<>();
                Set<String> keys = new HashSet<>();
                for (SimulatedCluster.Entry e : cluster.entries(POOL)) {
                    assertTrue(keys.add(e.key()), "key applied twice: " + e.key());
                    for (String u : e.allocations().keySet()) {
                        perCycleUser.merge(e.cycle() + "/" + u, 1, Integer::sum);
                    }
                }
                for (int c = 0; c < CYCLES; c++) {
                    for (String u : trace.userIds()) {
                        assertEquals(1, perCycleUser.getOrDefault(c + "/" + u, 0), "cycle " + c + " user " + u);
                    }
                }
                assertEquals(CYCLES * trace.userIds().size(), perCycleUser.size());

                // the kill really interrupted allocations: they were retried (attempt > 1) on the new worker
                List<HistoryEvent> events = client.fetchHistory(id, firstRun).getEvents();
                Map<Long, String> scheduled = new HashMap<>();
                int retriedAllocations = 0;
                for (HistoryEvent ev : events) {
                    if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                        scheduled.put(ev.getEventId(), ev.getActivityTaskScheduledEventAttributes().getActivityType().getName());
                    }
                    if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                            && ev.getActivityTaskStartedEventAttributes().getAttempt() > 1
                            && "Allocate".equals(scheduled.get(ev.getActivityTaskStartedEventAttributes().getScheduledEventId()))) {
                        retriedAllocations++;
                    }
                }
                assertTrue(retriedAllocations > 0, "expected allocate retries after the kill; history types: "
                        + new HashSet<>(scheduled.values()));
                assertTrue(Files.exists(state.resolve("pools/" + POOL + "/cycles/00000009/outcomes.csv")));
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private Process startWorker(String address, Path state, String log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                CrashTestWorkerMain.class.getName(), address, state.toString(), "1500")
                .redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile()).start();
    }

    /** Waits until the journal shows an allocation of {@code cycle}: the kill then lands inside its apply window. */
    private void awaitJournalCycle(SimulatedCluster cluster, long cycle, Duration timeout, Process worker)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        File journal = cluster.journal(POOL).toFile();
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) {
                throw new AssertionError("worker exited early: " + Files.readString(tmp.resolve("worker-1.log")));
            }
            if (journal.exists() && cluster.entries(POOL).stream().anyMatch(e -> e.cycle() >= cycle)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("cycle " + cycle + " not applied within " + timeout + "; worker log: "
                + Files.readString(tmp.resolve("worker-1.log")));
    }
}
