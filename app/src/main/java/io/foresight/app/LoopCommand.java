package io.foresight.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.app.loop.LiveSourceCheck;
import io.foresight.app.loop.PoolFile;
import io.foresight.app.stack.FsConfig;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.foresight.core.alloc.AllocationMode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code foresight loop ...}: operates control loops on a Temporal server. {@code start} reads a pool file
 * ({@link PoolFile}) and starts workflow {@code control-loop-<pool>}; the other verbs address a running loop by
 * pool id (or by its pool file) and use the workflow's signals and its {@code state} query, the same ones the
 * Temporal UI offers. A worker ({@code ./foresight worker}) must poll the control queue for the loop to run.
 */
@Command(name = "loop", mixinStandardHelpOptions = true,
        description = "Start, inspect and steer control loops (one per pool) on the Temporal server.",
        subcommands = {LoopCommand.Start.class, LoopCommand.Stop.class, LoopCommand.ListLoops.class,
            LoopCommand.Status.class, LoopCommand.Pause.class, LoopCommand.Resume.class, LoopCommand.SetMode.class,
            LoopCommand.Freeze.class, LoopCommand.Reset.class})
public final class LoopCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Where the verbs read their configuration (the environment; ITs point it at their own server). */
    static java.util.function.Supplier<FsConfig> config = FsConfig::load;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A pool id, or the path of the pool file that names it. */
    static String poolId(String poolOrFile) {
        Path p = Path.of(poolOrFile);
        if (poolOrFile.contains("/") || poolOrFile.endsWith(".yaml") || poolOrFile.endsWith(".yml")
                || poolOrFile.endsWith(".properties")) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("--pool " + poolOrFile + ": no such pool file. Fix: pass a pool id (e.g. web-fleet) or the path of its pool file");
            }
            return PoolFile.read(p).pool();
        }
        return poolOrFile;
    }

    /** Verbs that address a running loop. */
    abstract static class OnLoop implements Callable<Integer> {
        @Option(names = "--pool", required = true, description = "Pool id or its pool file.")
        String pool;

        @Override
        public Integer call() {
            String id = poolId(pool);
            try (TemporalConnection t = TemporalConnection.open(config.get())) {
                ControlLoopWorkflow loop = t.client.newWorkflowStub(ControlLoopWorkflow.class, ControlLoopWorkflow.workflowId(id));
                LoopState before;
                try {
                    before = loop.state();
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("no control loop for pool '" + id + "' on " + t.target + " (" + firstLine(e)
                            + "). Fix: check --pool (./foresight loop list), or start one with ./foresight loop start --pool FILE");
                }
                return on(t, id, loop, before);
            }
        }

        abstract int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before);
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the control loop a pool file describes (see examples/pool-prometheus.yaml).")
    static final class Start implements Callable<Integer> {
        @Option(names = "--pool", required = true, description = "Pool file (YAML or properties).")
        Path poolFile;

        @Option(names = "--enforce", description = "Apply decisions even if the pool file says dry-run (or omits mode on a live source).")
        boolean enforce;

        @Override
        public Integer call() {
            PoolFile p = PoolFile.read(poolFile);
            String dataSource = p.dataSource();
            if (p.source().startsWith("prometheus:")) {
                // fails with one line if Prometheus is down or the cpu query returns no series
                dataSource = LiveSourceCheck.prometheus(p, System.currentTimeMillis() / 1000);
            } else if (p.source().startsWith("store:")) {
                dataSource = LiveSourceCheck.store(p, System.currentTimeMillis() / 1000, url -> Wiring.ingestClient(config.get(), url));
            }
            // the workers' state store must answer now: an unreachable PostgreSQL is one line here, not held cycles later
            try (io.foresight.activities.controlloop.StateStore store = Wiring.stateStore(config.get())) {
                store.check();
            }
            ControlLoopParams params = params(p, dataSource, enforce);
            AllocationMode mode = params.mode();
            try (TemporalConnection t = TemporalConnection.open(config.get())) {
                ControlLoopWorkflow loop = t.client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(TaskQueues.CONTROL).setWorkflowId(ControlLoopWorkflow.workflowId(p.pool()))
                        .setWorkflowIdReusePolicy(io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                        .build());
                try {
                    WorkflowClient.start(loop::run, params);
                } catch (io.temporal.client.WorkflowExecutionAlreadyStarted e) {
                    throw new IllegalArgumentException("a loop for pool '" + p.pool() + "' is already running. Fix: ./foresight loop stop --pool "
                            + p.pool() + " first, or steer it with loop mode/pause/freeze");
                }
                System.out.println("started " + ControlLoopWorkflow.workflowId(p.pool()) + " on " + t.target + ": source "
                        + p.source() + ", every " + p.intervalSeconds() + " s" + (p.live() && p.acceleration() == 1 ? " (wall clock)"
                                : " / " + p.acceleration() + (p.live() ? " (backfilled history from " + p.start() + ")" : ""))
                        + ", " + (mode == AllocationMode.DRY_RUN ? "dry-run (decisions recorded, nothing applied)" : "enforce")
                        + ", actuator " + p.actuator() + ", pool kind " + p.kind().label()
                        + (p.rulesDir() == null ? "" : ", rules " + p.rulesDir())
                        + (p.model() == null ? "" : ", model @" + p.model())
                        + (p.usersFile() == null ? "" : ", users " + p.usersFile()));
                System.out.println("next: ./foresight loop status --pool " + p.pool() + "   (a worker must run: ./foresight worker --queues control)");
                return 0;
            }
        }
    }

    /** The loop's input for a pool file: its source reference, timing, mode and settings (rules, model, users, actuator). */
    public static ControlLoopParams params(PoolFile p, String dataSource, boolean enforce) {
        AllocationMode mode = enforce || !p.dryRun() ? AllocationMode.ENFORCE : AllocationMode.DRY_RUN;
        return new ControlLoopParams(p.pool(), dataSource, p.shardSize(), p.intervalSeconds(), p.acceleration(), 100,
                p.maxCycles(), Duration.ofMinutes(2), false, mode, null, p.settings()).withShardCount(p.shardCount());
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop a loop: cancel it (the running cycle's activities are cancelled), or --terminate at once.")
    static final class Stop extends OnLoop {
        @Option(names = "--terminate", description = "Terminate instead of cancel (no cleanup).")
        boolean terminate;

        @Option(names = "--reason", defaultValue = "stopped from the CLI", description = "Recorded in the workflow history.")
        String reason;

        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            WorkflowStub stub = t.client.newUntypedWorkflowStub(ControlLoopWorkflow.workflowId(pool));
            if (terminate) {
                stub.terminate(reason);
            } else {
                stub.cancel();
            }
            System.out.println("pool " + pool + (terminate ? " terminated" : " cancelled") + " at cycle " + before.cycle());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the control loops on the Temporal server.")
    static final class ListLoops implements Callable<Integer> {
        @Option(names = "--all", description = "Include closed loops.")
        boolean all;

        @Override
        public Integer call() {
            FsConfig config = LoopCommand.config.get();
            try (TemporalConnection t = TemporalConnection.open(config)) {
                String query = "WorkflowType='ControlLoopWorkflow'" + (all ? "" : " AND ExecutionStatus='Running'");
                ListWorkflowExecutionsResponse r;
                try {
                    r = t.stubs.blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                            .setNamespace(config.get("temporal.namespace", "default")).setQuery(query).setPageSize(1000).build());
                } catch (io.grpc.StatusRuntimeException e) {
                    throw new IllegalArgumentException("Temporal at " + t.target + " cannot list workflows (" + e.getStatus().getCode()
                            + "). Fix: use a real Temporal server (./foresight stack up); the in-memory test server has no visibility");
                }
                if (r.getExecutionsCount() == 0) {
                    System.out.println("no " + (all ? "" : "running ") + "control loops");
                }
                for (var e : r.getExecutionsList()) {
                    System.out.printf(Locale.ROOT, "%-32s %-12s started %s%n", e.getExecution().getWorkflowId(),
                            e.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT),
                            java.time.Instant.ofEpochSecond(e.getStartTime().getSeconds()));
                }
                return 0;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Print a loop's state (its 'state' query).")
    static final class Status extends OnLoop {
        @Option(names = "--json", description = "Print the state as JSON.")
        boolean json;

        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState s) {
            if (json) {
                try {
                    System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                return 0;
            }
            System.out.println(describe(s));
            return 0;
        }
    }

    /**
     * Which worker queue runs which shards, one entry per queue, its shards as ranges ("q-a: 0-3, 8"), queues by name;
     * shards on no worker's queue (the shared queue) are not listed.
     */
    static String workers(java.util.Map<Integer, String> shardWorkers) {
        java.util.Map<String, java.util.List<Integer>> byQueue = new java.util.TreeMap<>();
        new java.util.TreeMap<>(shardWorkers).forEach((shard, q) -> byQueue.computeIfAbsent(q, k -> new java.util.ArrayList<>()).add(shard));
        StringBuilder b = new StringBuilder();
        b.append(byQueue.size()).append(byQueue.size() == 1 ? " worker" : " workers");
        byQueue.forEach((q, shards) -> {
            b.append("; ").append(q).append(": ");
            for (int i = 0; i < shards.size(); i++) {
                int j = i;
                while (j + 1 < shards.size() && shards.get(j + 1) == shards.get(j) + 1) {
                    j++;
                }
                b.append(i == 0 ? "" : ", ").append(shards.get(i)).append(j > i ? "-" + shards.get(j) : "");
                i = j;
            }
        });
        return b.toString();
    }

    /** The state in a few lines an operator reads. */
    static String describe(LoopState s) {
        StringBuilder b = new StringBuilder();
        b.append("pool ").append(s.pool()).append(": cycle ").append(s.cycle())
                .append(s.finished() ? ", finished" : s.paused() ? ", paused" : ", running")
                .append(", mode ").append(s.mode() == AllocationMode.DRY_RUN ? "dry-run" : "enforce")
                .append(s.frozen() ? ", FROZEN" : "").append('\n');
        b.append("  model      ").append(s.modelVersion()).append('\n');
        if (!s.modelRefusal().isEmpty()) {
            b.append("  REFUSED    ").append(s.modelRefusal()).append("; the model above serves\n");
        }
        b.append("  plan       ").append(s.lastPlanSummary()).append('\n');
        b.append("  decisions  ").append(s.lastDecisionsSummary()).append('\n');
        if (!s.lastRulesFired().isEmpty()) {
            b.append("  rules      ").append(new java.util.TreeMap<>(s.lastRulesFired())).append('\n');
        }
        if (!s.pendingApprovals().isEmpty()) {
            b.append("  waiting    ").append(s.pendingApprovals().size()).append(" change(s): ./foresight approve --pool ")
                    .append(s.pool()).append(" --change ID\n");
        }
        if (s.lastOutcome() != null) {
            b.append("  outcome    ").append(s.lastOutcome()).append('\n');
        }
        if (!s.lastHold().isEmpty()) {
            b.append("  held       ").append(s.lastHold()).append('\n');
        }
        if (!s.shardWorkers().isEmpty()) {
            b.append("  workers    ").append(workers(s.shardWorkers())).append('\n');
        }
        b.append("  failures   ").append(s.failedCycles()).append(" cycle(s)")
                .append(s.lastFailure() == null || s.lastFailure().isEmpty() ? "" : "; last: " + s.lastFailure()).append('\n');
        b.append("  retraining ").append(s.retrainingRequests()).append(" request(s)");
        return b.toString();
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a loop before its next cycle.")
    static final class Pause extends OnLoop {
        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            loop.pause();
            System.out.println("pool " + pool + " paused (the running cycle " + before.cycle() + " finishes)");
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused loop.")
    static final class Resume extends OnLoop {
        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            loop.resume();
            System.out.println("pool " + pool + " resumed" + (before.paused() ? "" : " (it was not paused)"));
            return 0;
        }
    }

    /** dry-run | enforce. */
    static AllocationMode parseMode(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "dry-run", "dry_run", "dryrun" -> AllocationMode.DRY_RUN;
            case "enforce" -> AllocationMode.ENFORCE;
            default -> throw new picocli.CommandLine.TypeConversionException("'" + s + "' is not a mode. Fix: use dry-run or enforce");
        };
    }

    @Command(name = "mode", mixinStandardHelpOptions = true, description = "Switch a loop between dry-run and enforce (from its next cycle).")
    static final class SetMode extends OnLoop {
        @Parameters(index = "0", paramLabel = "MODE", converter = ModeConverter.class, description = "dry-run or enforce")
        AllocationMode mode;

        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            loop.setMode(mode);
            System.out.println("pool " + pool + " mode " + (mode == AllocationMode.DRY_RUN ? "dry-run" : "enforce") + " from the next cycle (was "
                    + (before.mode() == AllocationMode.DRY_RUN ? "dry-run" : "enforce") + ")");
            return 0;
        }
    }

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<AllocationMode> {
        @Override
        public AllocationMode convert(String value) {
            return parseMode(value);
        }
    }

    @Command(name = "freeze", mixinStandardHelpOptions = true,
            description = "Freeze a loop (the policies deny every change) or lift the freeze with --off.")
    static final class Freeze extends OnLoop {
        @Option(names = "--off", description = "Lift the freeze.")
        boolean off;

        @Option(names = "--by", defaultValue = "${env:USER:-operator}", description = "Who decides (default ${DEFAULT-VALUE}).")
        String by;

        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            if (off) {
                loop.unfreeze(by);
            } else {
                loop.freeze(by);
            }
            System.out.println("pool " + pool + (off ? " unfrozen" : " frozen") + " by " + by + " (was "
                    + (before.frozen() ? "frozen" : "not frozen") + "; takes effect at the next policy check, cycle " + before.cycle() + ")");
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Reset a loop to the start of cycle N (Temporal reset): cycles from N run again. Safe: applies are "
                    + "idempotent per pool/cycle/shard, so a re-run cycle applies nothing twice.")
    static final class Reset extends OnLoop {
        @Option(names = "--to-cycle", required = true, description = "The cycle to run again from (in the loop's current run).")
        long cycle;

        @Option(names = "--reason", defaultValue = "reset from the CLI", description = "Recorded in the workflow history.")
        String reason;

        @Override
        int on(TemporalConnection t, String pool, ControlLoopWorkflow loop, LoopState before) {
            if (cycle < 0) {
                throw new IllegalArgumentException("--to-cycle " + cycle + " is negative. Fix: pass a cycle number >= 0");
            }
            String namespace = config.get().get("temporal.namespace", "default");
            String runId = reset(t.stubs, namespace, ControlLoopWorkflow.workflowId(pool), cycle, reason);
            System.out.println("pool " + pool + " reset to the start of cycle " + cycle + " (was at cycle " + before.cycle()
                    + "); new run " + runId);
            return 0;
        }
    }

    /**
     * Resets the loop's current run to the workflow task that scheduled cycle {@code cycle}'s first collect: that
     * task runs again, so the cycle starts over. Returns the new run id.
     */
    static String reset(io.temporal.serviceclient.WorkflowServiceStubs stubs, String namespace, String workflowId,
                        long cycle, String reason) {
        List<HistoryEvent> events = history(stubs, namespace, workflowId);
        long finishEvent = resetPoint(events, cycle);
        ResetWorkflowExecutionResponse r = stubs.blockingStub().resetWorkflowExecution(ResetWorkflowExecutionRequest.newBuilder()
                .setNamespace(namespace).setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .setReason(reason).setWorkflowTaskFinishEventId(finishEvent).setRequestId(UUID.randomUUID().toString()).build());
        return r.getRunId();
    }

    static List<HistoryEvent> history(io.temporal.serviceclient.WorkflowServiceStubs stubs, String namespace, String workflowId) {
        List<HistoryEvent> events = new ArrayList<>();
        ByteString page = ByteString.EMPTY;
        do {
            GetWorkflowExecutionHistoryResponse r = stubs.blockingStub().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
                    .setNamespace(namespace).setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                    .setNextPageToken(page).build());
            events.addAll(r.getHistory().getEventsList());
            page = r.getNextPageToken();
        } while (!page.isEmpty());
        return events;
    }

    /**
     * The workflow-task-completed event that scheduled cycle {@code cycle}'s first collect activity (the cycle is read
     * from the activity's input, a {@code ShardTask}).
     */
    static long resetPoint(List<HistoryEvent> events, long cycle) {
        ObjectMapper json = new ObjectMapper();
        long first = -1;
        long last = -1;
        for (HistoryEvent e : events) {
            if (e.getEventType() != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                continue;
            }
            var a = e.getActivityTaskScheduledEventAttributes();
            if (!a.getActivityType().getName().equalsIgnoreCase("collect") || a.getInput().getPayloadsCount() == 0) {
                continue;
            }
            long c;
            try {
                JsonNode task = json.readTree(a.getInput().getPayloads(0).getData().toString(StandardCharsets.UTF_8));
                c = task.path("cycle").asLong(-1);
            } catch (java.io.IOException ex) {
                continue;
            }
            if (c == cycle) {
                return a.getWorkflowTaskCompletedEventId();
            }
            first = first < 0 ? c : Math.min(first, c);
            last = Math.max(last, c);
        }
        throw new IllegalArgumentException("cycle " + cycle + " is not in the loop's current run"
                + (first < 0 ? " (no cycle has started in it yet)" : " (it holds cycles " + first + ".." + last + ")")
                + ". Fix: pass a cycle of the current run; earlier runs closed with continue-as-new");
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
