package io.foresight.workflows.controlloop;

import io.foresight.core.alloc.AllocationMode;
import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The steps of one control-loop cycle. Every step works on one shard of users (except monitor and
 * feedback, which aggregate the pool) and keeps its bulk data (series, forecasts, plans, decisions) in the
 * worker's state dir: requests and results carry only references and counts, so workflow histories
 * stay small whatever the pool size. Steps that change the world (allocate) or the loop's own memory
 * (plan: planner state, feedback: drift counter) are idempotent per {@link ShardTask#key()}.
 */
@ActivityInterface
public interface ControlLoopActivities {

    /** How many users the pool has and the data's step. Read at the start of every run. */
    PoolInfo describePool(String pool, String dataSource);

    /** Reads the shard's real usage of the cycle's interval and the allocation that was in force. */
    CollectResult collect(ShardTask task);

    /** Forecasts the shard's users with the model in use, from history up to the collected interval. */
    PredictResult predict(ShardTask task, String collectRef);

    /** Turns forecasts into target allocations (planner state persisted per user). */
    PlanResult plan(ShardTask task, String forecastRef);

    /** Checks one shard's planned changes against policy (histories recorded before the pool-wide check). */
    PolicyResult checkPolicy(ShardTask task, String planRef, AllocationMode mode);

    /**
     * Checks the whole pool's planned changes against policy in one pass, with the pool's facts (team spend
     * from every user's allocation in force and today's ledger, this interval's anomalies, the operator's
     * freeze): budgets are per pool, not per shard. Writes one decisions file per shard. In dry-run it also writes
     * what the pool's actuator would change ({@code dry-run-diff.txt} in the cycle's folder) and sums it up.
     *
     * @param settings the pool file's rules, pool kind, model, users and actuator (null: the worker's own)
     */
    PoolPolicyResult checkPoolPolicy(String pool, String dataSource, long cycle, int shards, int shardSize, AllocationMode mode,
                                     boolean freeze, PoolSettings settings);

    /**
     * Applies the allowed allocations of the shard, plus those waiting changes listed in
     * {@code approvedChangeIds}; every other waiting change keeps its current allocation. Idempotent per
     * {@code task.key()}: a retry after a crash applies nothing twice.
     */
    AllocateResult allocate(ShardTask task, String decisionsRef, List<String> approvedChangeIds);

    /** Outcomes of the cycle's interval for the whole pool (usage vs. allocation), exported as metrics. */
    MonitorResult monitor(String pool, String dataSource, long cycle, int shards, String key);

    /** Updates the drift counter with the cycle's outcome; may ask for retraining. */
    FeedbackResult feedback(String pool, long cycle, MonitorResult outcome, String key);

    record PoolInfo(int users, long stepSeconds) {
        public PoolInfo {
            if (users < 0) {
                throw new IllegalArgumentException("users must be >= 0");
            }
        }

        public int shards(int shardSize) {
            return (users + shardSize - 1) / shardSize;
        }

        /** Users per shard when the pool is split into {@code shardCount} shards (at least 1). */
        public int shardSizeFor(int shardCount) {
            if (shardCount < 1) {
                throw new IllegalArgumentException("shardCount must be >= 1, got " + shardCount);
            }
            return Math.max(1, (users + shardCount - 1) / shardCount);
        }
    }

    /**
     * @param exhausted the data source has no interval for this cycle (end of a replay): nothing was read
     */
    record CollectResult(String ref, int users, int observed, long intervalStart, boolean exhausted) {}

    /**
     * @param modelRefusal why the registry's champion was refused and {@code modelVersion} (the last good model)
     *                     predicted instead; "" without a refusal, null in histories recorded before refusals
     */
    record PredictResult(String ref, int forecasts, String modelVersion, String modelRefusal) {
        public PredictResult(String ref, int forecasts, String modelVersion) {
            this(ref, forecasts, modelVersion, "");
        }
    }

    /**
     * @param patterns the shard's users per behaviour pattern after this cycle's profiles (null in histories
     *                 recorded before profiles)
     */
    record PlanResult(String ref, int users, int changes, int ups, int downs, Map<String, Integer> patterns) {}

    /**
     * @param firedRules       how often each rule fired in the shard (bounded by the number of rules)
     * @param waitingChangeIds changes that need a human's approval before they may apply
     */
    record PolicyResult(String ref, int approved, int adjusted, int denied, int waiting,
                        Map<String, Integer> firedRules, List<String> waitingChangeIds) {
        public PolicyResult {
            firedRules = Map.copyOf(Objects.requireNonNull(firedRules, "firedRules"));
            waitingChangeIds = List.copyOf(Objects.requireNonNull(waitingChangeIds, "waitingChangeIds"));
        }
    }

    /**
     * @param decisionRefs     one decisions file per shard, in shard order
     * @param firedRules       how often each rule fired in the pool
     * @param waitingByShard   per shard, the changes that need a human's approval before they may apply
     * @param stale            users held because their source reported no sample for the interval
     * @param staleSample      the first few of them (the count can be the whole pool; the state stays small)
     * @param dryRunDiff       in dry-run, one line on what the actuator would change (null in enforce)
     */
    record PoolPolicyResult(List<String> decisionRefs, int approved, int adjusted, int denied, int waiting,
                            Map<String, Integer> firedRules, List<List<String>> waitingByShard, int stale,
                            List<String> staleSample, String dryRunDiff) {
        public PoolPolicyResult(List<String> decisionRefs, int approved, int adjusted, int denied, int waiting,
                                Map<String, Integer> firedRules, List<List<String>> waitingByShard) {
            this(decisionRefs, approved, adjusted, denied, waiting, firedRules, waitingByShard, 0, List.of(), null);
        }

        public PoolPolicyResult {
            staleSample = staleSample == null ? List.of() : List.copyOf(staleSample); // null: a result recorded before this field
            decisionRefs = List.copyOf(Objects.requireNonNull(decisionRefs, "decisionRefs"));
            firedRules = Map.copyOf(Objects.requireNonNull(firedRules, "firedRules"));
            waitingByShard = Objects.requireNonNull(waitingByShard, "waitingByShard").stream().map(List::copyOf).toList();
            if (waitingByShard.size() != decisionRefs.size()) {
                throw new IllegalArgumentException("one waiting list per shard");
            }
        }

        public List<String> waitingChangeIds() {
            return waitingByShard.stream().flatMap(List::stream).toList();
        }
    }

    /**
     * @param applied   users whose allocation was set by this call
     * @param kept      users whose allocation stayed (hold, denied, or waiting without approval)
     * @param duplicate the key had been applied before: nothing was applied again
     * @param refused   the actuator's target refused the change (e.g. Kubernetes 403, 409, 422): nothing of the
     *                  shard was applied (what was changed is compensated), one line with the cause and the fix;
     *                  null when applied
     */
    record AllocateResult(int applied, int kept, boolean duplicate, String refused) {
        public AllocateResult(int applied, int kept, boolean duplicate) {
            this(applied, kept, duplicate, null);
        }
    }

    /**
     * Pool aggregates of one interval. Shortfall and slack are in CPU cores and memory GiB summed over the
     * pool's users; cost is what the allocation in force costs per hour; {@code cpuForecastMae} is the mean
     * absolute error of the previous cycle's one-step CPU forecast (-1 when there was none).
     */
    record MonitorResult(String ref, int users, int underProvisioned, double cpuShortfall, double cpuSlack,
                         double memoryShortfall, double memorySlack, double costPerHour, double cpuForecastMae) {}

    record FeedbackResult(int driftCount, boolean retrainRequested, String reason) {
        public FeedbackResult {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
