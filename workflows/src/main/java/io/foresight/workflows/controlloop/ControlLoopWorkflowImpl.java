package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopActivities.AllocateResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.CollectResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.FeedbackResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PlanResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PolicyResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PoolInfo;
import io.foresight.workflows.controlloop.ControlLoopActivities.PredictResult;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.ChildWorkflowStub;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.slf4j.Logger;

/**
 * One pool's control loop. Deterministic: all I/O is in {@link ControlLoopActivities}; time is
 * {@link Workflow#sleep}; the cycle index is the clock.
 *
 * <p>A cycle that fails after its retries is logged and skipped: the cluster keeps the allocation it has
 * (the safe default), and the next interval tries again. Nothing here waits on a human longer than the
 * approval timeout.
 */
public class ControlLoopWorkflowImpl implements ControlLoopWorkflow {

    /** Type name of the retraining workflow, implemented on {@link TaskQueues#TRAINING} by the training worker. */
    public static final String RETRAINING_WORKFLOW_TYPE = "RetrainingWorkflow";

    /**
     * Continue as new earlier than {@code cyclesPerRun} once the history is this long: with many shards a
     * cycle writes hundreds of events, and Temporal warns at 10,240 events and fails a run at 51,200.
     */
    static final int MAX_HISTORY_EVENTS = 10_000;

    /** Version marker: cycles run the feedback stage (and may start retraining) from version 1 on. */
    static final String FEEDBACK_STAGE_CHANGE = "feedback-stage";

    /** Version marker: from version 1 on one policy check covers the whole pool (budgets per pool, not shard). */
    static final String POOL_POLICY_CHANGE = "pool-policy-check";

    /**
     * Version marker: from version 1 on a loop with {@link ControlLoopParams#shardCount()} &gt; 0 runs that many shards of
     * users / shardCount users each (a cycle's history no longer grows with the pool). Only asked when the input sets a
     * shard count, which no history recorded before it does.
     */
    static final String FIXED_SHARD_COUNT_CHANGE = "fixed-shard-count";

    /**
     * Version marker: from version 1 on a shard's per-shard steps (collect, predict, plan, allocate) run on the own
     * queue of the control worker that ran it before ({@link ControlWorkerActivities}), so that worker's in-memory
     * histories of the shard's users are reused; pool-wide steps stay on the shared queue. Asked once per run.
     */
    static final String SHARD_AFFINITY_CHANGE = "shard-affinity";

    /**
     * Version marker: from version 1 on, at the start of every run (after continue-as-new) and every
     * {@link #REBALANCE_EVERY} cycles, the loop asks the workers again and moves shards to a worker that holds fewer
     * (one that joined since), {@link ShardBalance}. Before it, a worker that joined got only shards that lost theirs.
     */
    static final String SHARD_REBALANCE_CHANGE = "shard-rebalance";

    /** Cycles between two rebalances within a run: an hour at 5-minute intervals (runs are shorter at many shards). */
    static final int REBALANCE_EVERY = 12;

    /**
     * How long a shard's step may wait on its worker's own queue before the worker counts as gone. A live worker with a
     * free slot takes a task in milliseconds; after it is gone (killed, or restarted under a new queue) the step runs on
     * the shared queue instead, so a dead worker costs the loop this much once (after its heartbeat timeout), nothing
     * more: all loop state is in the state store, only the users' histories are rebuilt on the other worker.
     */
    static final Duration WORKER_PICKUP = Duration.ofSeconds(30);

    /** At most this many questions to the workers at once, whatever the shard count (16 answers show 2-8 workers). */
    static final int MAX_WORKER_PROBES = 16;

    // Reads and computations: safe to retry; a dead worker is noticed by the missed heartbeat (every step beats per
    // user), so start-to-close only bounds a live but slow call: a first cycle builds every user's history from the
    // source, minutes for a shard of 25,000 users on a busy machine. (Timeouts are not part of what a replay compares.)
    private static final ActivityOptions COMPUTE = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(30))
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setBackoffCoefficient(2)
                    .setMaximumInterval(Duration.ofSeconds(20))
                    .setMaximumAttempts(5)
                    .setDoNotRetry(IllegalArgumentException.class.getName())
                    .build())
            .build();

    // Allocation changes the world: idempotent by key, so retried until the interval is over rather
    // than a fixed number of times.
    private static final ActivityOptions ALLOCATE = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5)) // a shard of 25,000 users on a busy machine
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setScheduleToCloseTimeout(Duration.ofMinutes(5))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofMillis(500))
                    .setBackoffCoefficient(2)
                    .setMaximumInterval(Duration.ofSeconds(10))
                    .setDoNotRetry(IllegalArgumentException.class.getName())
                    .build())
            .build();

    // Monitoring and feedback are bookkeeping: a few quick tries, never block the loop for long.
    private static final ActivityOptions OBSERVE = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(10)) // the whole pool: 100,000 users on a busy machine
            .setHeartbeatTimeout(Duration.ofSeconds(10)) // a dead worker is noticed in seconds, not after a minute
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumAttempts(3)
                    .build())
            .build();

    // Which worker answers: any one polling the shared queue. Not eagerly dispatched to the worker that runs this
    // workflow task (it would answer every question and get every shard); one attempt, as an unanswered question only
    // leaves a shard on the shared queue for a cycle.
    private static final ActivityOptions PROBE = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(10))
            .setHeartbeatTimeout(Duration.ofSeconds(10))
            .setDisableEagerExecution(true)
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build();

    private final ControlLoopActivities compute = Workflow.newActivityStub(ControlLoopActivities.class, COMPUTE);
    private final ControlLoopActivities allocator = Workflow.newActivityStub(ControlLoopActivities.class, ALLOCATE);
    private final ControlWorkerActivities workers = Workflow.newActivityStub(ControlWorkerActivities.class, PROBE);

    /** The stubs of a shard's steps on one task queue. */
    private record Lane(ControlLoopActivities compute, ControlLoopActivities allocator) {}

    private final Lane shared = new Lane(compute, allocator);
    /** Stubs per worker queue, made when a shard is first sent there. */
    private final Map<String, Lane> lanes = new HashMap<>();
    /** Shard to the worker queue that runs its per-shard steps; a shard not in it runs on the shared queue. */
    private final Map<Integer, String> shardWorkers = new TreeMap<>();
    /** Whether this run pins shards to workers (null until its first cycle asks the version marker). */
    private Boolean affinity;
    /** False after a round of questions no worker answered (workers without the activity): no more this run. */
    private boolean probing = true;
    /** Whether this run rebalances shards (version marker, asked once per run); null until asked. */
    private Boolean rebalancing;
    /** Cycles this run has run since the shards were last balanced (starts due: a run starts with a rebalance). */
    private int sinceBalanced = REBALANCE_EVERY;
    private final ControlLoopActivities observer = Workflow.newActivityStub(ControlLoopActivities.class, OBSERVE);
    private final Logger log = Workflow.getLogger(ControlLoopWorkflowImpl.class);

    private String pool = "";
    private long cycle;
    private boolean paused;
    private AllocationMode mode = AllocationMode.ENFORCE;
    private List<String> lastPlanRefs = List.of();
    private String lastPlanSummary = "";
    private Map<String, Integer> usersPerPattern = Map.of();
    private String lastDecisionsSummary = "";
    /** Why the last cycle's changes were held by the actuator's target (a refusal), "" if they were not. */
    private String lastHold = "";
    /** In dry-run, what the actuator would have changed in the last cycle ("" in enforce). */
    private String lastDryRun = "";
    /** The last policy check's users held because their source stopped reporting, as a status line ("" if none). */
    private String lastStale = "";
    private Map<String, Integer> lastRulesFired = Map.of();
    private String modelVersion = "";
    /** Why the registry's champion was refused at the last predict ("" if it was not); see {@link LoopState}. */
    private String modelRefusal = "";
    private final Set<String> pending = new LinkedHashSet<>();
    private final Map<String, Boolean> approvals = new LinkedHashMap<>();
    private MonitorResult lastOutcome;
    private String lastSummaryRef;
    private int failedCycles;
    private int retrainingRequests;
    private boolean finished;
    private boolean frozen;
    private String lastFailure = "";
    private boolean modeSignalled;
    private boolean pauseSignalled;
    private boolean freezeSignalled;
    /** End (Unix s) of the last interval the loop observed: retraining may use data up to here, not beyond. */
    private long seenUntil;

    @Override
    public LoopState run(ControlLoopParams params) {
        pool = params.pool();
        // a signal can be handled before run() starts (in the run's first workflow task): it is newer than the
        // params and the carry, so it wins
        if (!modeSignalled) {
            mode = params.carry() != null ? params.carry().mode() : params.mode();
        }
        if (params.carry() != null) {
            cycle = params.carry().cycle();
            if (!pauseSignalled) {
                paused = params.carry().paused();
            }
            lastSummaryRef = params.carry().lastSummaryRef();
            if (!freezeSignalled) {
                frozen = params.carry().frozen();
            }
            shardWorkers.putAll(params.carry().shardWorkers());
        }
        int shards = describe(params, params.carry() == null ? 0 : params.carry().shards());
        for (int i = 0; i < params.cyclesPerRun(); i++) {
            Workflow.await(() -> !paused);
            if (params.maxCycles() > 0 && cycle >= params.maxCycles()) {
                return finish();
            }
            if (shards <= 0) {
                shards = describe(params, 0); // the source was unreadable: try again every interval, never fail
            }
            boolean more;
            try {
                if (shards <= 0) {
                    throw new IllegalStateException(lastFailure);
                }
                more = runCycle(sized(params), shards);
                lastFailure = "";
            } catch (ActivityFailure | IllegalStateException e) {
                failedCycles++;
                more = true;
                lastFailure = "cycle " + cycle + ": " + rootMessage(e);
                log.warn("pool {} cycle {} failed and was skipped; allocations stay as they are: {}", pool, cycle,
                        lastFailure);
            }
            if (!more) {
                return finish();
            }
            cycle++;
            Workflow.sleep(params.sleep());
            if (Workflow.getInfo().getHistoryLength() > MAX_HISTORY_EVENTS) {
                break;
            }
        }
        Workflow.continueAsNew(sized(params).withCarry(new LoopCarry(cycle, paused, mode, lastSummaryRef, frozen, Math.max(0, shards), shardWorkers)));
        return state(); // not reached: continueAsNew does not return
    }

    /** The params with the shard size this run's shards have (the one described last; see {@link #describe}). */
    private ControlLoopParams sized(ControlLoopParams params) {
        return shardSize > 0 && shardSize != params.shardSize() ? params.withShardSize(shardSize) : params;
    }

    /** Users per shard when the loop runs a fixed number of shards (from the last describe; 0: the params' shard size). */
    private int shardSize;

    /**
     * The pool's shard count from its source; on failure (a source that cannot be read, e.g. when a run continues
     * as new) the count carried from the previous run, else 0 so the loop holds and tries again next interval.
     */
    private int describe(ControlLoopParams params, int carried) {
        try {
            PoolInfo info = compute.describePool(pool, params.dataSource());
            if (params.shardCount() > 0
                    && Workflow.getVersion(FIXED_SHARD_COUNT_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
                // a fixed number of shards (the worker slots): each as large as the pool needs; a run that continues as
                // new carries the size in its params, so a failed describe there keeps the shards it had
                shardSize = info.shardSizeFor(params.shardCount());
                return info.shards(shardSize);
            }
            return info.shards(params.shardSize());
        } catch (ActivityFailure e) {
            lastFailure = "cannot describe pool " + pool + ": " + rootMessage(e);
            log.warn("pool {}: {}; {}", pool, lastFailure, carried > 0 ? "keeping the " + carried + " shard(s) it had"
                    : "holding every allocation until the source answers");
            return carried;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Returns false when the data source has no interval for this cycle. */
    private boolean runCycle(ControlLoopParams p, int shards) {
        AllocationMode cycleMode = mode;
        if (affinity == null) {
            affinity = Workflow.getVersion(SHARD_AFFINITY_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
        }
        if (affinity) {
            boolean asked = assignShards(shards);
            if (!asked && probing && sinceBalanced >= REBALANCE_EVERY && rebalances()) {
                rebalance(shards);
                asked = true;
            }
            sinceBalanced = asked ? 1 : sinceBalanced + 1;
        }
        List<ShardTask> tasks = new ArrayList<>(shards);
        for (int s = 0; s < shards; s++) {
            tasks.add(ShardTask.of(pool, p.dataSource(), cycle, s, p.shardSize()).withSettings(p.settings()));
        }
        List<CollectResult> collected = eachShard(tasks, (l, t) -> Async.function(l.compute()::collect, t));
        if (collected.isEmpty() || collected.stream().anyMatch(CollectResult::exhausted)) {
            log.info("pool {}: data source has no interval for cycle {}; loop ends", pool, cycle);
            return false;
        }
        for (CollectResult c : collected) {
            seenUntil = Math.max(seenUntil, c.intervalStart() + p.intervalSeconds());
        }
        List<PredictResult> predicted = eachShard(tasks,
                (l, t) -> Async.function(l.compute()::predict, t, collected.get(t.shard()).ref()));
        modelVersion = predicted.get(0).modelVersion();
        // only reads activity results into the query's state (no new command): replays of older histories, whose
        // results carry no refusal (null), run the same commands, so this needs no getVersion marker
        modelRefusal = predicted.stream().map(PredictResult::modelRefusal)
                .filter(r -> r != null && !r.isEmpty()).findFirst().orElse("");
        List<PlanResult> plans = eachShard(tasks,
                (l, t) -> Async.function(l.compute()::plan, t, predicted.get(t.shard()).ref()));
        lastPlanRefs = plans.stream().map(PlanResult::ref).toList();
        lastPlanSummary = summarizePlans(plans);
        usersPerPattern = patterns(plans);
        List<PolicyResult> decisions;
        if (Workflow.getVersion(POOL_POLICY_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
            ControlLoopActivities.PoolPolicyResult pr = compute.checkPoolPolicy(pool, p.dataSource(), cycle, shards,
                    p.shardSize(), cycleMode, frozen, p.settings());
            lastStale = pr.stale() == 0 ? "" : "; " + pr.stale() + " user(s) held, source stopped reporting (e.g. "
                    + String.join(", ", pr.staleSample()) + ")";
            lastDryRun = pr.dryRunDiff() == null ? "" : "; " + pr.dryRunDiff();
            decisions = new ArrayList<>(shards);
            for (int s = 0; s < shards; s++) {
                // per shard only what allocate needs; counts and waiting ids are the pool's, reported once
                decisions.add(s == 0
                        ? new PolicyResult(pr.decisionRefs().get(s), pr.approved(), pr.adjusted(), pr.denied(),
                                pr.waiting(), pr.firedRules(), pr.waitingByShard().get(s))
                        : new PolicyResult(pr.decisionRefs().get(s), 0, 0, 0, 0, Map.of(), pr.waitingByShard().get(s)));
            }
        } else {
            decisions = eachShard(tasks,
                    (l, t) -> Async.function(l.compute()::checkPolicy, t, plans.get(t.shard()).ref(), cycleMode));
        }
        summarizeDecisions(decisions);

        if (cycleMode == AllocationMode.ENFORCE) {
            Set<String> approved = awaitApprovals(decisions, p.approvalTimeout());
            List<AllocateResult> applied = eachShard(tasks, (l, t) -> {
                List<String> mine = decisions.get(t.shard()).waitingChangeIds().stream()
                        .filter(approved::contains).toList();
                return Async.function(l.allocator()::allocate, t, decisions.get(t.shard()).ref(), mine);
            });
            log.debug("pool {} cycle {}: applied {}", pool, cycle,
                    applied.stream().mapToInt(AllocateResult::applied).sum());
            List<String> refused = new ArrayList<>();
            for (int s = 0; s < applied.size(); s++) {
                if (applied.get(s).refused() != null) {
                    refused.add("shard " + s + ": " + applied.get(s).refused());
                }
            }
            // a refusal is a safe hold (nothing of the shard applied), not a failed cycle: the loop goes on
            lastHold = refused.isEmpty() ? "" : "cycle " + cycle + ": changes held, the actuator's target refused them ("
                    + refused.size() + " of " + applied.size() + " shard(s)); " + refused.get(0);
            if (!refused.isEmpty()) {
                log.warn("pool {}: {}", pool, lastHold);
            }
        } else {
            lastHold = "";
        }

        String key = ShardTask.poolKey(pool, cycle);
        lastOutcome = observer.monitor(pool, p.dataSource(), cycle, shards, key);
        lastSummaryRef = lastOutcome.ref();

        int version = Workflow.getVersion(FEEDBACK_STAGE_CHANGE, Workflow.DEFAULT_VERSION, 1);
        if (version >= 1) {
            FeedbackResult fb = observer.feedback(pool, cycle, lastOutcome, key);
            if (fb.retrainRequested() && p.retrainingEnabled()) {
                requestRetraining(p, fb.reason());
            }
        }
        return true;
    }

    /**
     * Runs one step on every shard at once, each on its worker's queue (the shared queue for a shard without one). A
     * step its worker's queue did not pick up within {@link #WORKER_PICKUP} runs again on the shared queue: that worker
     * is gone, so every shard it held forgets it and learns a live worker at the next cycle.
     */
    private <R> List<R> eachShard(List<ShardTask> tasks, BiFunction<Lane, ShardTask, Promise<R>> call) {
        List<Promise<R>> promises = new ArrayList<>(tasks.size());
        List<String> queues = new ArrayList<>(tasks.size());
        for (ShardTask t : tasks) {
            String queue = Boolean.TRUE.equals(affinity) ? shardWorkers.get(t.shard()) : null;
            queues.add(queue);
            promises.add(call.apply(queue == null ? shared : lane(queue), t));
        }
        List<R> out = new ArrayList<>(promises.size());
        for (int i = 0; i < promises.size(); i++) {
            try {
                out.add(promises.get(i).get());
            } catch (ActivityFailure e) {
                String queue = queues.get(i);
                if (queue == null || !workerGone(e)) {
                    throw e;
                }
                shardWorkers.values().removeIf(queue::equals);
                log.warn("pool {} cycle {}: no worker took shard {} from {} within {}; the shard runs on the shared queue "
                        + "and learns a live worker next cycle", pool, cycle, tasks.get(i).shard(), queue, WORKER_PICKUP);
                out.add(call.apply(shared, tasks.get(i)).get());
            }
        }
        return out;
    }

    private static boolean workerGone(ActivityFailure e) {
        return e.getCause() instanceof TimeoutFailure t
                && t.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
    }

    private Lane lane(String queue) {
        return lanes.computeIfAbsent(queue, q -> new Lane(
                Workflow.newActivityStub(ControlLoopActivities.class, ActivityOptions.newBuilder(COMPUTE)
                        .setTaskQueue(q).setScheduleToStartTimeout(WORKER_PICKUP).build()),
                Workflow.newActivityStub(ControlLoopActivities.class, ActivityOptions.newBuilder(ALLOCATE)
                        .setTaskQueue(q).setScheduleToStartTimeout(WORKER_PICKUP).build())));
    }

    /**
     * Gives every shard without a worker one: asks the workers on the shared queue (twice as many questions as such
     * shards, at most {@link #MAX_WORKER_PROBES}, so every live worker is likely to answer at least once) and sends each
     * such shard to the answering worker that holds the fewest shards (ties by queue name). Shards that have a worker
     * keep it here (moving one costs a rebuild of its users' histories); a worker that joins later gets its share at the
     * next {@link #rebalance}. Returns whether the workers were asked.
     */
    private boolean assignShards(int shards) {
        shardWorkers.keySet().removeIf(s -> s >= shards);
        List<Integer> free = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            if (!shardWorkers.containsKey(s)) {
                free.add(s);
            }
        }
        if (free.isEmpty() || !probing) {
            return false;
        }
        TreeSet<String> live = askWorkers(free.size());
        if (live.isEmpty()) {
            return true;
        }
        Map<String, Integer> load = new TreeMap<>();
        live.forEach(q -> load.put(q, 0));
        shardWorkers.values().forEach(q -> load.computeIfPresent(q, (k, n) -> n + 1));
        for (int s : free) {
            String q = live.stream().min(Comparator.comparing((String x) -> load.get(x)).thenComparing(x -> x)).orElseThrow();
            shardWorkers.put(s, q);
            load.merge(q, 1, Integer::sum);
        }
        log.info("pool {} cycle {}: shard workers {}", pool, cycle, shardWorkers);
        return true;
    }

    /** Whether this run rebalances (asked at its first due rebalance, so older histories replay without the marker). */
    private boolean rebalances() {
        if (rebalancing == null) {
            rebalancing = Workflow.getVersion(SHARD_REBALANCE_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
        }
        return rebalancing;
    }

    /** Asks the workers again and moves as many shards as it takes to balance them over the ones that answered. */
    private void rebalance(int shards) {
        TreeSet<String> live = askWorkers(shards);
        Map<Integer, String> moves = ShardBalance.moves(shardWorkers, live);
        if (!moves.isEmpty()) {
            shardWorkers.putAll(moves);
            log.info("pool {} cycle {}: {} shard(s) moved to balance the workers {}: {}", pool, cycle, moves.size(), live, moves);
        }
    }

    /**
     * The own queues of the workers that answered (twice as many questions as {@code shards}, at most
     * {@link #MAX_WORKER_PROBES}, so every live worker is likely to answer at least once). When none has a queue of its
     * own (workers of a build before shard affinity), stops asking for this run.
     */
    private TreeSet<String> askWorkers(int shards) {
        List<Promise<String>> answers = new ArrayList<>();
        for (int i = 0; i < Math.min(2 * shards, MAX_WORKER_PROBES); i++) {
            answers.add(Async.function(workers::workerQueue));
        }
        TreeSet<String> live = new TreeSet<>();
        for (Promise<String> a : answers) {
            try {
                String q = a.get();
                if (q != null && !q.isBlank()) {
                    live.add(q);
                }
            } catch (ActivityFailure e) {
                // a worker of a build before shard affinity: it has no queue of its own
            }
        }
        if (live.isEmpty()) {
            probing = false;
            log.warn("pool {}: no control worker names a queue of its own; every shard runs on the shared queue this run", pool);
        }
        return live;
    }

    /** Waits for decisions on the changes that need one; returns the approved ids. */
    private Set<String> awaitApprovals(List<PolicyResult> decisions, Duration timeout) {
        Set<String> waiting = new LinkedHashSet<>();
        for (PolicyResult d : decisions) {
            waiting.addAll(d.waitingChangeIds());
        }
        if (waiting.isEmpty()) {
            return Set.of();
        }
        pending.addAll(waiting);
        boolean allDecided = Workflow.await(timeout, () -> approvals.keySet().containsAll(waiting));
        Set<String> approved = new LinkedHashSet<>();
        for (String id : waiting) {
            if (Boolean.TRUE.equals(approvals.get(id))) {
                approved.add(id);
            }
        }
        if (!allDecided) {
            log.info("pool {} cycle {}: {} change(s) not decided within {}; they keep the current allocation",
                    pool, cycle, waiting.size() - approvals.keySet().stream().filter(waiting::contains).count(),
                    timeout);
        }
        pending.clear();
        approvals.clear();
        return approved;
    }

    private void requestRetraining(ControlLoopParams p, String reason) {
        ChildWorkflowStub child = Workflow.newUntypedChildWorkflowStub(RETRAINING_WORKFLOW_TYPE,
                ChildWorkflowOptions.newBuilder()
                        .setWorkflowId("retrain-" + pool + "-" + cycle)
                        .setTaskQueue(TaskQueues.TRAINING)
                        // training outlives the loop's run (continue-as-new) and must not be cancelled by it
                        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                        // why it was started, visible in the Temporal UI next to the run
                        .setMemo(java.util.Map.of("pool", pool, "cycle", cycle, "reason", reason))
                        .build());
        // only what the loop has already seen: a replayed trace holds intervals the loop has not reached yet
        child.executeAsync(RetrainResult.class, retrainRequestFor(p.dataSource()).withEndTime(seenUntil));
        try {
            child.getExecution().get(); // started; the loop does not wait for training to finish
            retrainingRequests++;
        } catch (TemporalFailure e) {
            log.warn("pool {} cycle {}: could not start retraining: {}", pool, cycle, e.getMessage());
        }
    }

    /** Retrain on the pool's own data: a trace reference names its files. */
    static RetrainRequest retrainRequestFor(String dataSource) {
        String spec = dataSource.startsWith("trace:") ? dataSource.substring("trace:".length()) : dataSource;
        java.util.List<String> paths = java.util.Arrays.stream(spec.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        return RetrainRequest.defaults(paths, 0);
    }

    /** Users per pattern over the shards (plan results recorded before profiles carry none). */
    private static Map<String, Integer> patterns(List<PlanResult> plans) {
        Map<String, Integer> out = new TreeMap<>();
        for (PlanResult r : plans) {
            if (r.patterns() != null) {
                r.patterns().forEach((p, n) -> out.merge(p, n, Integer::sum));
            }
        }
        return out;
    }

    private static String summarizePlans(List<PlanResult> plans) {
        int users = 0;
        int changes = 0;
        int ups = 0;
        int downs = 0;
        for (PlanResult r : plans) {
            users += r.users();
            changes += r.changes();
            ups += r.ups();
            downs += r.downs();
        }
        return users + " users, " + changes + " changes (" + ups + " up, " + downs + " down)";
    }

    private void summarizeDecisions(List<PolicyResult> decisions) {
        int approved = 0;
        int adjusted = 0;
        int denied = 0;
        int waiting = 0;
        Map<String, Integer> fired = new TreeMap<>();
        for (PolicyResult d : decisions) {
            approved += d.approved();
            adjusted += d.adjusted();
            denied += d.denied();
            waiting += d.waiting();
            d.firedRules().forEach((rule, n) -> fired.merge(rule, n, Integer::sum));
        }
        lastDecisionsSummary = approved + " approved, " + adjusted + " adjusted, " + denied + " denied, "
                + waiting + " waiting approval" + lastStale + lastDryRun;
        lastRulesFired = fired;
    }

    private LoopState finish() {
        finished = true;
        return state();
    }

    @Override
    public void pause() {
        pauseSignalled = true;
        paused = true;
    }

    @Override
    public void resume() {
        pauseSignalled = true;
        paused = false;
    }

    @Override
    public void setMode(AllocationMode m) {
        if (m != null) {
            modeSignalled = true;
            mode = m;
        }
    }

    @Override
    public void approve(String changeId, boolean approved, String by) {
        if (changeId == null || !pending.contains(changeId)) {
            log.warn("pool {}: ignoring decision on '{}' by {}: no such change is waiting for approval",
                    pool, changeId, by);
            return;
        }
        log.info("pool {}: change {} {} by {}", pool, changeId, approved ? "approved" : "rejected", by);
        approvals.put(changeId, approved);
    }

    @Override
    public void freeze(String by) {
        log.info("pool {}: frozen by {}", pool, by);
        freezeSignalled = true;
        frozen = true;
    }

    @Override
    public void unfreeze(String by) {
        log.info("pool {}: unfrozen by {}", pool, by);
        freezeSignalled = true;
        frozen = false;
    }

    @Override
    public LoopState state() {
        return new LoopState(pool, cycle, paused, mode, lastPlanRefs, lastPlanSummary, lastDecisionsSummary,
                lastRulesFired, modelVersion, List.copyOf(pending), lastOutcome, lastSummaryRef, failedCycles,
                retrainingRequests, finished, frozen, lastFailure, usersPerPattern, modelRefusal, lastHold, shardWorkers);
    }
}
