package io.foresight.rules.policy;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.ProposedChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kie.api.definition.type.ClassReactive;

/**
 * The working fact for one proposed change: rules read the proposal and adjust {@code allowed},
 * {@code spot} and the outcome. Class-reactive, because rule constraints call methods (anyAbove,
 * exceedsStep) whose inputs Drools cannot infer; every rule's action falsifies its own condition, so
 * re-evaluation terminates.
 */
@ClassReactive
public final class PolicyChange {
    /**
     * The resources, once: {@code Resource.values()} copies its array on every call, and the constraints below run
     * several times per change (class reactivity re-evaluates them after every rule's update), 10,000 changes a cycle.
     */
    private static final Resource[] RESOURCES = Resource.values();

    private final ProposedChange change;
    private final PriceBook prices;
    private final double currentCostPerHour;
    private final double[] allowed;
    private boolean spot;
    private DecisionOutcome outcome;
    private boolean adjusted;
    private boolean stepWaived;
    private boolean stepLimited;
    private boolean stepUpWaived;
    private final List<String> messages = new ArrayList<>();

    public PolicyChange(ProposedChange change, PriceBook prices) {
        this.change = change;
        this.prices = prices;
        double proposedCost = prices.costPerHour(change.proposed(), change.spotRequested());
        // the caller knows which market the current allocation runs on; its delta tells us the current cost
        this.currentCostPerHour = Double.isFinite(change.costDeltaPerHour()) ? proposedCost - change.costDeltaPerHour()
                : prices.costPerHour(change.current(), false);
        this.allowed = change.proposed().toArray();
        this.spot = change.spotRequested();
    }

    public String getUser() { return change.user(); }
    public String getTeam() { return change.team(); }
    public Tier getTier() { return change.tier(); }
    public Pattern getPattern() { return change.pattern(); }
    public ResourceVector getCurrent() { return change.current(); }
    public ResourceVector getProposed() { return change.proposed(); }
    public boolean isSpotRequested() { return change.spotRequested(); }
    public boolean isSpot() { return spot; }
    public DecisionOutcome getOutcome() { return outcome; }
    public boolean isDecided() { return outcome != null; }
    public boolean isAdjusted() { return adjusted; }
    public boolean isStepWaived() { return stepWaived; }
    public boolean isStepLimited() { return stepLimited; }
    /** True once a scale-up was found backed by the forecast: increases are not step limited (decreases still are). */
    public boolean isStepUpWaived() { return stepUpWaived; }
    public ResourceVector getForecastPeak() { return change.forecastPeak(); }
    public List<String> getMessages() { return messages; }

    public ResourceVector getAllowed() {
        return ResourceVector.of(allowed);
    }

    /** Cost per hour of the allowed allocation minus that of the current one (PriceBook). */
    public double getCostDeltaPerHour() {
        return prices.costPerHour(ResourceVector.of(allowed), spot) - currentCostPerHour;
    }

    /** True if the proposal is not a usable allocation (NaN, infinite or negative anywhere). */
    public boolean isMalformed() {
        for (double v : change.proposed().toArray()) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                return true;
            }
        }
        return false;
    }

    /** True if the allowed allocation differs from the current one. */
    public boolean isChanging() {
        return !ResourceVector.of(allowed).equals(change.current());
    }

    public boolean isIncreasing() {
        for (Resource r : RESOURCES) {
            if (allowed[r.ordinal()] > change.current().get(r)) {
                return true;
            }
        }
        return false;
    }

    public boolean anyAbove(ResourceVector limit) {
        if (limit == null) {
            return false;
        }
        for (Resource r : RESOURCES) {
            if (allowed[r.ordinal()] > limit.get(r)) {
                return true;
            }
        }
        return false;
    }

    public boolean anyBelow(ResourceVector limit) {
        if (limit == null) {
            return false;
        }
        for (Resource r : RESOURCES) {
            if (allowed[r.ordinal()] < limit.get(r)) {
                return true;
            }
        }
        return false;
    }

    public boolean exceedsStep(PolicyThresholds t) {
        for (Resource r : RESOURCES) {
            if (beyondStep(t, r)) {
                return true;
            }
        }
        return false;
    }

    /** True if resource r moves further than one step allows (increases are free once the step-up is waived). */
    private boolean beyondStep(PolicyThresholds t, Resource r) {
        double cur = cur(r);
        double d = allowed[r.ordinal()] - cur;
        if (d > 0) {
            return !stepUpWaived && d > t.maxStep(r, cur) + 1e-12;
        }
        return -d > t.maxStepDown(r, cur) + 1e-12;
    }

    /**
     * True if the thresholds allow scale-ups to the forecast and every resource this change raises past
     * the step limit stays within the forecast peak plus {@code maxAboveForecastPeak} (a known, finite
     * peak above the current allocation). Scale-downs are not considered: they stay step limited.
     */
    public boolean scalesUpToForecast(PolicyThresholds t) {
        if (!t.scaleUpToForecast()) {
            return false;
        }
        boolean any = false;
        for (Resource r : RESOURCES) {
            double cur = cur(r);
            double a = allowed[r.ordinal()];
            if (a - cur <= t.maxStep(r, cur) + 1e-12) {
                continue; // within the step (or a decrease): nothing to waive
            }
            double peak = change.forecastPeak().get(r);
            if (!(peak > cur) || Double.isInfinite(peak) || a > peak * (1 + t.maxAboveForecastPeak()) + 1e-9) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private double cur(Resource r) {
        double c = change.current().get(r);
        return Double.isNaN(c) ? 0 : c;
    }

    // ---- actions (called from rule consequences) ----

    public void clampTo(ResourceVector limit, String why) {
        List<String> hit = new ArrayList<>();
        for (Resource r : RESOURCES) {
            if (allowed[r.ordinal()] > limit.get(r)) {
                allowed[r.ordinal()] = limit.get(r);
                hit.add(name(r) + "=" + fmt(limit.get(r)));
            }
        }
        adjusted = true;
        messages.add(why + ": " + String.join(", ", hit));
    }

    public void raiseTo(ResourceVector limit, String why) {
        List<String> hit = new ArrayList<>();
        for (Resource r : RESOURCES) {
            if (allowed[r.ordinal()] < limit.get(r)) {
                allowed[r.ordinal()] = limit.get(r);
                hit.add(name(r) + "=" + fmt(limit.get(r)));
            }
        }
        adjusted = true;
        messages.add(why + ": " + String.join(", ", hit));
    }

    public void limitStep(PolicyThresholds t) {
        List<String> hit = new ArrayList<>();
        for (Resource r : RESOURCES) {
            double cur = cur(r);
            double a = allowed[r.ordinal()];
            if (beyondStep(t, r)) {
                allowed[r.ordinal()] = a > cur ? cur + t.maxStep(r, cur) : Math.max(0, cur - t.maxStepDown(r, cur));
                hit.add(name(r) + " " + fmt(cur) + "->" + fmt(allowed[r.ordinal()]) + " (asked " + fmt(a) + ")");
            }
        }
        stepLimited = true;
        adjusted = true;
        messages.add("step limited: " + String.join(", ", hit));
    }

    /** Lets this change's increases pass the step limit, because the forecast backs them. */
    public void waiveStepUpToForecast(PolicyThresholds t) {
        List<String> hit = new ArrayList<>();
        for (Resource r : RESOURCES) {
            double cur = cur(r);
            if (allowed[r.ordinal()] - cur > t.maxStep(r, cur) + 1e-12) {
                hit.add(name(r) + " " + fmt(cur) + "->" + fmt(allowed[r.ordinal()]) + " (forecast peak "
                        + fmt(change.forecastPeak().get(r)) + ", step " + fmt(t.maxStep(r, cur)) + ")");
            }
        }
        stepUpWaived = true;
        messages.add("scale-up to the forecast past the step limit: " + String.join(", ", hit));
    }

    public void waiveStepLimit(String why) {
        stepWaived = true;
        messages.add(why);
    }

    public void denySpot(String why) {
        spot = false;
        adjusted = true;
        messages.add(why);
    }

    /** Keeps the current allocation (and market): the safe default. */
    public void deny(String why) {
        double[] c = change.current().toArray();
        System.arraycopy(c, 0, allowed, 0, c.length);
        spot = false; // nothing new is provisioned, so no new spot capacity either
        outcome = DecisionOutcome.DENIED;
        messages.add(why);
    }

    public void waitForApproval(String why) {
        outcome = DecisionOutcome.WAITING_APPROVAL;
        messages.add(why);
    }

    public void approve() {
        outcome = adjusted ? DecisionOutcome.ADJUSTED : DecisionOutcome.APPROVED;
    }

    public void message(String m) {
        messages.add(m);
    }

    private static String name(Resource r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Formatted values, by their bits: a pool's changes repeat the same limits and allocations every cycle, and
     * String.format was a tenth of the policy check's CPU at 10,000 users. Bounded: cleared when full.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Long, String> FORMATTED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int FORMATTED_MAX = 1 << 16;

    static String fmt(double v) {
        Long key = Double.doubleToRawLongBits(v);
        String s = FORMATTED.get(key);
        if (s == null) {
            s = String.format(Locale.ROOT, "%.4g", v);
            if (FORMATTED.size() >= FORMATTED_MAX) {
                FORMATTED.clear();
            }
            FORMATTED.put(key, s);
        }
        return s;
    }
}
