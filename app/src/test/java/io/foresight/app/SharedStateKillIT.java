package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.foresight.activities.controlloop.PostgresStateStore;
import io.foresight.activities.controlloop.StateStore;
import io.foresight.app.stack.TestPostgres;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One control loop served by two worker processes ("hosts", each with its own local directory) that share the
 * loop's state in PostgreSQL. The worker that is applying an allocation is killed with SIGKILL, {@value #KILLS}
 * times, alternating hosts, and started again. Then: every (cycle, user) is applied exactly once (the simulated
 * cluster's journal holds each idempotency key once), every cycle's plans, decisions and outcome are in PostgreSQL,
 * the audit trail has exactly one record per decided change, and neither host's local directory holds loop state.
 * Second loop: PostgreSQL goes away while it runs; the loop holds (no allocation applied while it is down), says
 * why in its state query, and goes on by itself once PostgreSQL is back.
 *
 * <p>Needs the Temporal CLI (as {@link LoopResetIT}) and PostgreSQL's binaries (Debian {@code postgresql}).
 */
class SharedStateKillIT {
    static final String POOL = "shared-pool";
    static final int CYCLES = 14;
    static final int KILLS = 4;
    static final int SHARD = 8;
    static final int USERS = 20;

    @TempDir
    Path dir;

    private final List<Process> workers = new ArrayList<>();

    @Test
    void killedHostsLoseNothingAndApplyNothingTwiceAndAnUnreachableDatabaseHoldsTheLoop() throws Exception {
        assumeTrue(TestPostgres.available(), "needs PostgreSQL's binaries (apt-get install postgresql)");
        try (DevServer temporal = DevServer.start(dir);
             TestPostgres pg = TestPostgres.start(dir.resolve("pg"));
             PostgresStateStore store = PostgresStateStore.open(pg.settings())) {
            String address = "127.0.0.1:" + temporal.port;
            WorkflowClient client = temporal.client;
            Path clusterDir = dir.resolve("cluster");
            SimulatedCluster cluster = new SimulatedCluster(clusterDir);
            Path[] hosts = {dir.resolve("host-a"), dir.resolve("host-b")};
            Process[] running = {startWorker(address, hosts[0], clusterDir, pg), startWorker(address, hosts[1], clusterDir, pg)};

            String id = ControlLoopWorkflow.workflowId(POOL);
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                    WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
            WorkflowClient.start(loop::run, ControlLoopParams.of(POOL, "trace:" + LoopResetIT.SLICE).withShardSize(SHARD)
                    .withAcceleration(30_000).withCycles(100, CYCLES));

            long started = System.nanoTime();
            List<String> killedDuring = new ArrayList<>();
            for (int k = 0; k < KILLS; k++) {
                long target = 2 + 3L * k;
                // the host whose apply of cycle >= target was just journaled is inside its apply window: kill it there
                int victim = awaitApplyOnAHost(target, running, 120);
                running[victim].destroyForcibly(); // SIGKILL: no shutdown hook, its activities are lost mid-flight
                assertTrue(running[victim].waitFor(10, TimeUnit.SECONDS));
                killedDuring.add((victim == 0 ? "host-a" : "host-b") + " at cycle >= " + target);
                running[victim] = startWorker(address, hosts[victim], clusterDir, pg);
            }
            LoopState end = WorkflowStub.fromTyped(loop).getResult(5, TimeUnit.MINUTES, LoopState.class);
            double seconds = (System.nanoTime() - started) / 1e9;

            assertEquals(CYCLES, end.cycle());
            assertTrue(end.finished());
            assertEquals(0, end.failedCycles(), "no cycle may be lost to a kill: " + end.lastFailure());

            // the actuator's journal: each idempotency key once, each (cycle, user) applied exactly once
            Map<String, Integer> perCycleUser = new HashMap<>();
            Set<String> keys = new HashSet<>();
            for (SimulatedCluster.Entry e : cluster.entries(POOL)) {
                assertTrue(keys.add(e.key()), "key applied twice: " + e.key());
                for (String u : e.allocations().keySet()) {
                    perCycleUser.merge(e.cycle() + "/" + u, 1, Integer::sum);
                }
            }
            assertEquals(CYCLES * USERS, perCycleUser.size());
            assertTrue(perCycleUser.values().stream().allMatch(n -> n == 1), "a (cycle, user) applied twice: " + perCycleUser);

            // PostgreSQL has every cycle's plans, decisions and outcome, and one audit record per decided change
            Map<Long, Set<String>> decided = new HashMap<>();
            int shards = (USERS + SHARD - 1) / SHARD;
            for (long c = 0; c < CYCLES; c++) {
                String cycleDir = StateStore.cycleDir(POOL, c);
                assertTrue(store.exists(cycleDir + "/outcome.json"), "outcome of cycle " + c);
                for (int s = 0; s < shards; s++) {
                    assertTrue(store.exists(cycleDir + "/plan-s" + s + ".json"), "plan of cycle " + c + " shard " + s);
                    JsonNode rows = StateStore.JSON.readTree(store.readBytes(cycleDir + "/decisions-s" + s + ".json")).path("rows");
                    for (JsonNode r : rows) {
                        if (!r.path("outcome").asText().equals("HOLD")) {
                            decided.computeIfAbsent(c, x -> new TreeSet<>()).add(r.path("user").asText());
                        }
                    }
                }
            }
            List<DecisionRecord> audit = store.decisions(null, 0);
            Map<Long, Set<String>> audited = new HashMap<>();
            for (DecisionRecord r : audit) {
                assertTrue(audited.computeIfAbsent(r.cycle(), x -> new TreeSet<>()).add(r.user()), "audited twice: " + r);
            }
            assertEquals(decided, audited, "every decided change has exactly one audit record");
            assertTrue(audit.size() >= CYCLES, "the loop decided something: " + audit.size());

            // nothing of the loop's state went to a host's own directory
            for (Path h : hosts) {
                assertFalse(Files.exists(h.resolve("pools")), "loop state in a local directory: " + h);
                assertFalse(Files.exists(h.resolve("decisions.jsonl")), "audit trail in a local directory: " + h);
            }

            // the kills did land inside activities: some were retried (attempt > 1) on the other host
            int retried = 0;
            for (HistoryEvent ev : client.fetchHistory(id).getEvents()) {
                if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                        && ev.getActivityTaskStartedEventAttributes().getAttempt() > 1) {
                    retried++;
                }
            }
            // a step killed on its worker's own queue is not retried there (nobody polls it any more): it times out
            // before start and runs again as a new activity on the shared queue ("moved"); one killed on the shared
            // queue is retried there (attempt > 1)
            int moved = shardAffinity(client.fetchHistory(id).getEvents());
            assertTrue(retried + moved > 0, "expected activities retried or moved after the kills");
            System.out.printf(Locale.ROOT, "shared-state kill IT: %d cycles x %d users on two hosts, %d SIGKILLs (%s), "
                    + "%d retried activities, %d shard steps moved off a killed worker's queue, %d keys applied once each, "
                    + "%d audit records, %.1f s%n", CYCLES, USERS, KILLS,
                    String.join(", ", killedDuring), retried, moved, keys.size(), audit.size(), seconds);

            databaseOutageHoldsTheLoop(client, cluster, pg);
        } finally {
            for (Process w : workers) {
                w.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Shard affinity under the kills: a killed host's queue was left unpolled (its restart has a new queue), so steps
     * waiting there timed out before start and ran elsewhere (returned: how many); each cycle's shard steps otherwise
     * ran on workers' own queues, and in the last cycle every shard's steps ran on one live worker's queue.
     */
    private static int shardAffinity(List<HistoryEvent> events) throws Exception {
        Set<String> steps = Set.of("Collect", "Predict", "Plan", "Allocate");
        int moved = 0;
        Map<String, Set<String>> lastCycle = new HashMap<>(); // shard -> queues
        for (HistoryEvent ev : events) {
            if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
                    && ev.getActivityTaskTimedOutEventAttributes().getFailure().getTimeoutFailureInfo().getTimeoutType()
                    == io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
                moved++;
            }
            if (ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                    && steps.contains(ev.getActivityTaskScheduledEventAttributes().getActivityType().getName())) {
                var a = ev.getActivityTaskScheduledEventAttributes();
                JsonNode task = StateStore.JSON.readTree(a.getInput().getPayloads(0).getData().toStringUtf8());
                if (task.path("cycle").asLong() == CYCLES - 1) {
                    lastCycle.computeIfAbsent(task.path("shard").asText(), x -> new TreeSet<>()).add(a.getTaskQueue().getName());
                }
            }
        }
        assertTrue(moved > 0, "a killed host's shards waited on its queue, then moved");
        assertEquals((USERS + SHARD - 1) / SHARD, lastCycle.size());
        for (Map.Entry<String, Set<String>> e : lastCycle.entrySet()) {
            assertEquals(1, e.getValue().size(), "shard " + e.getKey() + " of the last cycle on one worker: " + e.getValue());
            assertTrue(e.getValue().iterator().next().startsWith(TaskQueues.CONTROL + "@"),
                    "on a worker's own queue: " + e.getValue());
        }
        return moved;
    }

    /** PostgreSQL stops while a loop runs: the loop holds (nothing applied), says so in its state, and resumes. */
    private void databaseOutageHoldsTheLoop(WorkflowClient client, SimulatedCluster cluster, TestPostgres pg) throws Exception {
        String pool = "outage-pool";
        String id = ControlLoopWorkflow.workflowId(pool);
        ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class,
                WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(TaskQueues.CONTROL).build());
        WorkflowClient.start(loop::run, ControlLoopParams.of(pool, "trace:" + LoopResetIT.SLICE).withShardSize(SHARD)
                .withAcceleration(30_000).withCycles(100, 1000));
        ControlLoopWorkflow query = client.newWorkflowStub(ControlLoopWorkflow.class, id);
        awaitCondition(() -> cluster.entries(pool).stream().anyMatch(e -> e.cycle() >= 1), 120, "outage loop never applied");
        pg.stop();
        awaitCondition(() -> query.state().lastFailure().contains("state store unreachable"), 120,
                "the state query never named the unreachable store");
        LoopState held = query.state();
        int appliedWhileDown = cluster.entries(pool).size();
        Thread.sleep(5_000);
        assertEquals(appliedWhileDown, cluster.entries(pool).size(), "nothing may be applied while the store is down");
        assertTrue(held.lastFailure().contains("Fix: start PostgreSQL"), held.lastFailure());
        assertTrue(held.failedCycles() > 0);
        pg.startServer();
        awaitCondition(() -> cluster.entries(pool).size() > appliedWhileDown, 120, "the loop did not resume after the outage");
        System.out.printf(Locale.ROOT, "shared-state outage: held with '%s'; resumed after PostgreSQL came back%n",
                held.lastFailure());
        WorkflowStub.fromTyped(query).terminate("test over");
    }

    @FunctionalInterface
    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitCondition(Check check, int seconds, String failure) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure);
            }
            Thread.sleep(200);
        }
    }

    /** Waits until a host's log says it journaled an apply of cycle >= {@code cycle}; returns that host's index. */
    private int awaitApplyOnAHost(long cycle, Process[] running, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (int h = 0; h < running.length; h++) {
                if (!running[h].isAlive()) {
                    throw new AssertionError("worker exited early: " + LoopResetIT.readQuietly(logOf(running[h])));
                }
                for (String line : Files.readAllLines(logOf(running[h]))) {
                    if (line.startsWith("applied " + POOL + "/")
                            && Long.parseLong(line.split("/")[1]) >= cycle) {
                        return h;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no apply of cycle " + cycle + " within " + seconds + " s");
    }

    private final Map<Long, Path> logs = new HashMap<>();

    private Path logOf(Process p) {
        return logs.get(p.pid());
    }

    private Process startWorker(String address, Path local, Path clusterDir, TestPostgres pg) throws Exception {
        Files.createDirectories(local);
        Path log = dir.resolve(local.getFileName() + "-" + workers.size() + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        PostgresStateStore.Settings s = pg.settings();
        Process p = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                SharedStateWorkerMain.class.getName(), address, local.toString(), clusterDir.toString(), s.url(), s.user(),
                s.password(), "800")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        workers.add(p);
        logs.put(p.pid(), log);
        return p;
    }
}
