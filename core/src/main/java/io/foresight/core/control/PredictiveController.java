package io.foresight.core.control;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.policy.ProposedChange;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Foresight's per-user control step, shared by the Temporal activities and the evaluation harness so
 * the evaluated numbers come from the code the loop runs: forecast the user's next steps from its
 * history (indices &lt; now only), let the {@link Planner} turn the forecast into a target (lead
 * time, headroom, hysteresis), and, if the target differs from what is held, propose the change to
 * the {@link PolicyGate}; the allocation becomes what the gate allows, or stays as it was if denied
 * or waiting for approval. Stateless apart from the caller-owned {@link Planner.State}.
 */
public final class PredictiveController {
    private final Forecaster forecaster;
    private final Planner planner;
    private final PolicyGate gate;
    private final PriceBook prices;
    private final int horizon;

    public PredictiveController(Forecaster forecaster, Planner planner, PolicyGate gate, PriceBook prices) {
        this.forecaster = Objects.requireNonNull(forecaster, "forecaster");
        this.planner = Objects.requireNonNull(planner, "planner");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.prices = Objects.requireNonNull(prices, "prices");
        int lead = 0;
        for (Resource r : Resource.values()) {
            lead = Math.max(lead, planner.config().lead(r));
        }
        this.horizon = lead + 1;
    }

    public Forecaster forecaster() {
        return forecaster;
    }

    public Planner planner() {
        return planner;
    }

    /** Steps the forecast covers: the longest lead time plus the decision's own interval. */
    public int horizon() {
        return horizon;
    }

    /**
     * @param history the user's series; only indices [0, now) are read
     * @param now     the interval the decision applies from
     * @param current what the user holds now (NaN per resource where nothing is held yet)
     * @param state   the planner's memory for this user (updated in place)
     * @param profile who the user is (team, tier, pattern, spot eligibility) for the policy check
     * @param context pool-wide facts for the policy check
     */
    public ControllerDecision decide(UserSeries history, int now, ResourceVector current, Planner.State state,
                                     UserProfile profile, PolicyContext context) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(context, "context");
        Forecast f = forecaster.forecast(history, now, horizon);
        PlannedAllocation plan = planner.plan(f, current, state);
        if (!plan.changes()) {
            return new ControllerDecision(current, f, plan, Optional.empty());
        }
        boolean spot = profile.spotAllowed() && profile.pattern().interruptible();
        double delta = prices.costPerHour(plan.target(), spot) - prices.costPerHour(current, spot);
        ProposedChange change = new ProposedChange(profile.user(), profile.team(), profile.tier(), profile.pattern(),
                current, plan.target(), plan.forecastPeak(), plan.model(), spot, delta);
        List<PolicyDecision> verdicts = gate.check(context, List.of(change));
        if (verdicts.size() != 1) {
            throw new IllegalStateException("policy gate returned " + verdicts.size() + " decisions for 1 change");
        }
        PolicyDecision d = verdicts.get(0);
        ResourceVector allocation = d.applies() ? d.allowed() : current;
        return new ControllerDecision(allocation, f, plan, Optional.of(d));
    }
}
