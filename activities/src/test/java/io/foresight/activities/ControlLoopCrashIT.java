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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos story against a real Temporal server: during one loop the control worker, in its own JVM, is killed
 * with SIGKILL {@value #WORKER_KILLS} times, each time right after it journaled an allocation (inside the window in
 * which an apply is done but not yet reported), and a new worker takes over; once, while a worker is applying,
 * the Temporal server itself is killed with SIGKILL and started again on its database. The loop must run to its
 * end without a failed cycle, and the simulated cluster's journal must hold every idempotency key once and every
 * (cycle, user) exactly once: nothing lost, nothing applied twice.
 */
class ControlLoopCrashIT {
    static final String POOL = "crash-pool";
    static final int CYCLES = 16;
    static final int WORKER_KILLS = 10;
    /** The server is killed while the worker started after this many kills is applying. */
    static final int SERVER_KILL_AFTER = 5;
    static final int SHARD = 2;

    @TempDir
    Path tmp;

    @Test
    void tenKilledWorkersAndAKilledServerLoseAndRepeatNoAllocation() throws Exception {
        long t0 = System.nanoTime();
        Path slice = Path.of(getClass().getResource("/bitbrains/rnd-2013-07-6vm-700rows.csv.gz").toURI());
        Trace trace = BitbrainsReader.read(slice);
        Path state = Files.createDirectories(tmp.resolve("state"));
        SimulatedCluster cluster = new SimulatedCluster(state.resolve("cluster"));
        // a server of its own: this test kills it, which it must not do to a shared one
        try (TemporalDevServer server = TemporalDevServer.startOwn(Files.createDirectories(tmp.resolve("temporal")))) {
            WorkflowClient client = WorkflowClient.newInstance(server.stubs());
            List<Process> workers = new ArrayList<>();
            try {
                workers.add(startWorker(server.address(), state, 1));
                String id = ControlLoopWorkflow.workflowId(POOL) + "-" + System.nanoTime();
                ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                        WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
                ControlLoopParams params = ControlLoopParams.of(POOL, "trace:" + slice).withShardSize(SHARD)
                        .withAcceleration(3000).withCycles(4, CYCLES);
                String firstRun = WorkflowClient.start(loop::run, params).getRunId();

                List<Double> recoveries = new ArrayList<>();
                boolean serverKilled = false;
                for (int kill = 1; kill <= WORKER_KILLS; kill++) {
                    Process worker = workers.get(workers.size() - 1);
                    long applied = cluster.entries(POOL).size();
                    long started = System.nanoTime();
                    awaitNewApply(cluster, applied, Duration.ofSeconds(120), worker, kill);
                    if (kill > 1) {
                        recoveries.add((System.nanoTime() - started) / 1e9);
                    }
                    if (!serverKilled && kill == SERVER_KILL_AFTER + 1) {
                        // the worker is inside an apply: its report, and every other call, meets a dead server
                        server.killAndRestart(Duration.ofSeconds(2));
                        serverKilled = true;
                        applied = cluster.entries(POOL).size();
                        awaitNewApply(cluster, applied, Duration.ofSeconds(120), worker, kill);
                    }
                    worker.destroyForcibly(); // SIGKILL: no shutdown hooks, activities in flight are lost
                    assertTrue(worker.waitFor(10, TimeUnit.SECONDS));
                    workers.add(startWorker(server.address(), state, kill + 1));
                }
                LoopState end = awaitResult(loop, Duration.ofSeconds(300));
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf(java.util.Locale.ROOT, "chaos IT: %d worker SIGKILLs and 1 Temporal server SIGKILL in "
                        + "one loop of %d cycles; %d keys applied; new apply after a kill in %.1f s median, %.1f s max; "
                        + "%.0f s in all%n", WORKER_KILLS, CYCLES, cluster.entries(POOL).size(), median(recoveries),
                        recoveries.stream().mapToDouble(Double::doubleValue).max().orElse(0), secs);

                assertTrue(serverKilled);
                assertEquals(CYCLES, end.cycle());
                assertTrue(end.finished());
                assertEquals(0, end.failedCycles(), "no kill may cost a cycle: " + end.lastFailure());

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
                assertEquals(CYCLES * (trace.userIds().size() / SHARD), keys.size(), "one key per cycle and shard");

                // the kills really interrupted allocations: some were retried (attempt > 1) on a later worker
                int retriedAllocations = 0;
                Set<String> types = new HashSet<>();
                // the loop continues as new every 4 cycles: follow the chain of runs from the first
                for (String run = firstRun; run != null && !run.isEmpty(); ) {
                    Map<Long, String> scheduled = new HashMap<>();
                    String next = null;
                    for (HistoryEvent ev : client.fetchHistory(id, run).getEvents()) {
                        if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                            scheduled.put(ev.getEventId(), ev.getActivityTaskScheduledEventAttributes().getActivityType().getName());
                        }
                        if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                                && ev.getActivityTaskStartedEventAttributes().getAttempt() > 1
                                && "Allocate".equals(scheduled.get(ev.getActivityTaskStartedEventAttributes().getScheduledEventId()))) {
                            retriedAllocations++;
                        }
                        if (ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
                            next = ev.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId();
                        }
                    }
                    types.addAll(scheduled.values());
                    run = next;
                }
                assertTrue(retriedAllocations > 0, "expected allocate retries after the kills; history types: " + types);
                assertTrue(Files.exists(state.resolve("pools/" + POOL + "/cycles/" + String.format("%08d", CYCLES - 1)
                        + "/outcomes.csv")));
            } finally {
                for (Process w : workers) {
                    w.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The loop's result, asking again while the server restarts or a long poll is cut. */
    private static LoopState awaitResult(ControlLoopWorkflow loop, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return WorkflowStub.fromTyped(loop).getResult(30, TimeUnit.SECONDS, LoopState.class);
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                last = e instanceof RuntimeException r ? r : new RuntimeException(e);
                Thread.sleep(500);
            }
        }
        throw new AssertionError("the loop did not end within " + timeout, last);
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return 0;
        }
        List<Double> s = xs.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    private Process startWorker(String address, Path state, int n) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                CrashTestWorkerMain.class.getName(), address, state.toString(), "1500")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("worker-" + n + ".log").toFile()).start();
    }

    /**
     * Waits until the journal holds more than {@code applied} entries, applied by {@code worker}: the kill then lands
     * inside an apply window (journaled, not yet reported).
     */
    private void awaitNewApply(SimulatedCluster cluster, long applied, Duration timeout, Process worker, int n)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        File journal = cluster.journal(POOL).toFile();
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) {
                throw new AssertionError("worker " + n + " exited early: " + Files.readString(tmp.resolve("worker-" + n + ".log")));
            }
            if (journal.exists() && cluster.entries(POOL).size() > applied) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("worker " + n + " applied nothing within " + timeout + " (" + applied
                + " keys so far); its log: " + Files.readString(tmp.resolve("worker-" + n + ".log")));
    }
}
