package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Hand-written activities for workflow tests: records every call, with scriptable behaviour. */
class FakeActivities implements ControlLoopActivities {
    /** One call: the step, its cycle and shard (-1 for pool-level steps), the key and extra detail. */
    record Call(String step, long cycle, int shard, String key, String detail) {}

    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    final int users;
    /** Cycle from which collect reports the data as exhausted (Long.MAX_VALUE: never). */
    long dataEndsAt = Long.MAX_VALUE;
    /** Per cycle, the change ids that shard 0's policy check sends to approval. */
    final Map<Long, List<String>> waitingAt = new HashMap<>();
    /** Allocate fails the first attempt of every key (a worker dying after the apply). */
    boolean failFirstAllocate;
    /** Cycles where collect fails for good (bad input). */
    final Set<Long> collectFailsAt = new HashSet<>();
    /** Per cycle, why the champion was refused at predict (the last good fake-model/7 predicting instead). */
    final Map<Long, String> refusedAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** The shard whose worker reports the refusal (shards may run on workers that have not refreshed yet). */
    int refusedOnShard;
    /** Cycles where feedback asks for retraining. */
    final Set<Long> retrainAt = new HashSet<>();
    /** Cycles where the actuator's target refuses shard 0's changes (e.g. a Kubernetes 403). */
    final Set<Long> actuatorRefusesAt = new HashSet<>();
    /** The settings each shard task carried, per step. */
    final List<PoolSettings> settingsSeen = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> allocateAttempted = Collections.synchronizedSet(new HashSet<>());

    FakeActivities(int users) {
        this.users = users;
    }

    List<Call> calls(String step) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.step().equals(step)).toList();
        }
    }

    /** Calls of describePool (counted from 1) that fail for good, as an unreadable source does. */
    final Set<Integer> describeFailsAt = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public PoolInfo describePool(String pool, String dataSource) {
        calls.add(new Call("describePool", -1, -1, pool, dataSource));
        if (describeFailsAt.contains(calls("describePool").size())) {
            throw new IllegalArgumentException("data source '" + dataSource + "': no trace file");
        }
        return new PoolInfo(users, 300);
    }

    @Override
    public CollectResult collect(ShardTask t) {
        calls.add(new Call("collect", t.cycle(), t.shard(), t.key(), "users " + t.firstUser() + "+" + t.shardSize()));
        if (collectFailsAt.contains(t.cycle())) {
            throw ApplicationFailure.newNonRetryableFailure("bad data at cycle " + t.cycle(), "IllegalArgument");
        }
        boolean end = t.cycle() >= dataEndsAt;
        return new CollectResult("collect/" + t.key(), Math.min(t.shardSize(), users - t.firstUser()), end ? 0 : 1,
                1_000_000L + 300 * t.cycle(), end);
    }

    @Override
    public PredictResult predict(ShardTask t, String collectRef) {
        calls.add(new Call("predict", t.cycle(), t.shard(), t.key(), collectRef));
        String refusal = refusedAt.get(t.cycle());
        return refusal == null ? new PredictResult("forecast/" + t.key(), 1, "fake-model/7")
                : new PredictResult("forecast/" + t.key(), 1, "fake-model/7", t.shard() == refusedOnShard ? refusal : "");
    }

    @Override
    public PlanResult plan(ShardTask t, String forecastRef) {
        calls.add(new Call("plan", t.cycle(), t.shard(), t.key(), forecastRef));
        return new PlanResult("plan/" + t.key(), 1, 1, 1, 0, Map.of("BATCH", 1));
    }

    @Override
    public PolicyResult checkPolicy(ShardTask t, String planRef, AllocationMode mode) {
        calls.add(new Call("checkPolicy", t.cycle(), t.shard(), t.key(), planRef + " " + mode));
        List<String> waiting = t.shard() == 0 ? waitingAt.getOrDefault(t.cycle(), List.of()) : List.of();
        return new PolicyResult("decisions/" + t.key(), 1, 0, 0, waiting.size(), Map.of("max-step-up", 1), waiting);
    }

    /** Records the pool-wide check; shard 0 sends {@link #waitingAt}'s changes to approval. */
    @Override
    public PoolPolicyResult checkPoolPolicy(String pool, String dataSource, long cycle, int shards, int shardSize,
                                            AllocationMode mode, boolean freeze, PoolSettings settings) {
        calls.add(new Call("checkPoolPolicy", cycle, -1, pool + "/" + cycle + "/pool", mode + (freeze ? " frozen" : "")));
        List<String> refs = new ArrayList<>();
        List<List<String>> waiting = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            refs.add("decisions/" + pool + "/" + cycle + "/" + s);
            waiting.add(s == 0 ? waitingAt.getOrDefault(cycle, List.of()) : List.of());
        }
        int n = waitingAt.getOrDefault(cycle, List.of()).size();
        return new PoolPolicyResult(refs, shards, 0, 0, n, Map.of("max-step-up", shards), waiting);
    }

    @Override
    public AllocateResult allocate(ShardTask t, String decisionsRef, List<String> approvedChangeIds) {
        calls.add(new Call("allocate", t.cycle(), t.shard(), t.key(), String.join(",", approvedChangeIds)));
        if (failFirstAllocate && allocateAttempted.add(t.key())) {
            throw new IllegalStateException("worker lost after applying " + t.key());
        }
        settingsSeen.add(t.settings());
        if (t.shard() == 0 && actuatorRefusesAt.contains(t.cycle())) {
            return new AllocateResult(0, 1, false, "403 Forbidden: quota fs-a/foresight. Fix: grant the worker's account update on resourcequotas");
        }
        return new AllocateResult(1, 0, false);
    }

    @Override
    public MonitorResult monitor(String pool, String dataSource, long cycle, int shards, String key) {
        calls.add(new Call("monitor", cycle, -1, key, "shards=" + shards));
        return new MonitorResult("monitor/" + key, users, 0, 0, 1, 0, 2, 0.5, 0.1);
    }

    @Override
    public FeedbackResult feedback(String pool, long cycle, MonitorResult outcome, String key) {
        calls.add(new Call("feedback", cycle, -1, key, outcome.ref()));
        boolean retrain = retrainAt.contains(cycle);
        return new FeedbackResult(retrain ? 3 : 0, retrain, retrain ? "forecast error drifted" : "ok");
    }
}
