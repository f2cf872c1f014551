package io.foresight.core.alloc;

import io.foresight.core.actuate.Actuator;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.ApplyResult;
import io.foresight.core.actuate.UserAllocation;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.policy.ProposedChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One allocation cycle: plan each user, check the plans with the policy gate, apply what was approved
 * or adjusted (in {@link AllocationMode#ENFORCE}; in {@code DRY_RUN} nothing is applied) and return
 * (and log, if a log is given) one {@link DecisionRecord} per user. {@link #decide} and {@link #apply}
 * are also available separately, so a durable workflow can wait for a person between them.
 */
public final class AllocationService {
    /** The outcome of a cycle: the audit records and the actuator's result (null if nothing was applied). */
    public record CycleResult(List<DecisionRecord> records, ApplyResult applied) {
        public CycleResult {
            records = List.copyOf(records);
        }

        public List<DecisionRecord> waitingApproval() {
            return records.stream().filter(r -> r.outcome() == DecisionOutcome.WAITING_APPROVAL).toList();
        }
    }

    private final Planner planner;
    private final PolicyGate gate;
    private final Actuator actuator;
    private final PriceBook prices;
    private final AllocationMode mode;
    private final DecisionLog log;

    /** @param log where records are appended; null to keep them only in the result */
    public AllocationService(Planner planner, PolicyGate gate, Actuator actuator, PriceBook prices, AllocationMode mode,
                             DecisionLog log) {
        this.planner = Objects.requireNonNull(planner, "planner");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.actuator = Objects.requireNonNull(actuator, "actuator");
        this.prices = Objects.requireNonNull(prices, "prices");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.log = log;
    }

    public AllocationMode mode() {
        return mode;
    }

    /** plan → gate → apply (enforce) → log. */
    public CycleResult run(String pool, long cycle, PolicyContext context, PolicyFacts facts, List<UserCycleInput> inputs) {
        List<DecisionRecord> decided = decide(pool, cycle, context, facts, inputs);
        CycleResult r = apply(pool, cycle, decided);
        if (log != null) {
            log.append(r.records());
        }
        return r;
    }

    /** Plans and checks, applies nothing: records with {@code applied = false}. */
    public List<DecisionRecord> decide(String pool, long cycle, PolicyContext context, PolicyFacts facts,
                                       List<UserCycleInput> inputs) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(facts, "facts");
        List<PlannedAllocation> plans = new ArrayList<>(inputs.size());
        List<ProposedChange> changes = new ArrayList<>(inputs.size());
        for (UserCycleInput in : inputs) {
            var profile = in.profile();
            UserAllocation now = actuator.current(profile.user()).orElse(null);
            ResourceVector current = now == null ? ResourceVector.ZERO : now.allocation();
            boolean wasSpot = now != null && now.spot();
            PlannedAllocation p = planner.plan(in.forecast(), current, in.plannerState(), profile, in.realTime());
            boolean spot = profile.spotAllowed() && profile.pattern().interruptible();
            double delta = prices.costPerHour(p.target(), spot) - prices.costPerHour(current, wasSpot);
            plans.add(p);
            changes.add(new ProposedChange(profile.user(), profile.team(), profile.tier(), profile.pattern(), current,
                    p.target(), p.forecastPeak(), p.model(), spot, delta));
        }
        List<PolicyDecision> decisions = gate.check(context, changes, facts);
        if (decisions.size() != changes.size()) {
            throw new IllegalStateException("policy gate returned " + decisions.size() + " decisions for "
                    + changes.size() + " changes");
        }
        List<DecisionRecord> out = new ArrayList<>(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            ProposedChange c = changes.get(i);
            PolicyDecision d = decisions.get(i);
            out.add(new DecisionRecord(pool, cycle, context.at(), c.user(), c.forecastPeak(), c.model(), c.current(),
                    c.proposed(), d.outcome(), d.allowed(), d.spot(), d.firedRules(), d.messages(), d.costDeltaPerHour(),
                    mode, false));
        }
        return out;
    }

    /**
     * Applies the records that may be applied (APPROVED/ADJUSTED and a real change) in ENFORCE mode, with
     * the idempotency key {@code pool/cycle}. Returns the records with {@code applied} set.
     */
    public CycleResult apply(String pool, long cycle, List<DecisionRecord> records) {
        return applyKeyed(pool, cycle, ApplyRequest.keyOf(pool, cycle), records, false);
    }

    /**
     * Applies changes a person approved after they waited: WAITING_APPROVAL records are applied as
     * decided by policy (their {@code allowed}). Key {@code pool/cycle/approved}.
     */
    public CycleResult applyApproved(String pool, long cycle, List<DecisionRecord> approved) {
        CycleResult r = applyKeyed(pool, cycle, ApplyRequest.keyOf(pool, cycle) + "/approved", approved, true);
        if (log != null) {
            log.append(r.records());
        }
        return r;
    }

    private CycleResult applyKeyed(String pool, long cycle, String key, List<DecisionRecord> records, boolean approvedByPerson) {
        List<UserAllocation> todo = new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            DecisionRecord r = records.get(i);
            boolean may = r.outcome() == DecisionOutcome.APPROVED || r.outcome() == DecisionOutcome.ADJUSTED
                    || (approvedByPerson && r.outcome() == DecisionOutcome.WAITING_APPROVAL);
            if (may && !r.allowed().equals(r.current())) {
                todo.add(new UserAllocation(r.user(), r.allowed(), r.spot()));
                idx.add(i);
            }
        }
        if (mode == AllocationMode.DRY_RUN || todo.isEmpty()) {
            return new CycleResult(records, null);
        }
        ApplyResult res = actuator.apply(new ApplyRequest(pool, cycle, key, todo));
        List<DecisionRecord> out = new ArrayList<>(records);
        for (int i : idx) {
            out.set(i, out.get(i).withApplied(true));
        }
        return new CycleResult(out, res);
    }
}
