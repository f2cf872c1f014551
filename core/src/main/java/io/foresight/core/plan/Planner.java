package io.foresight.core.plan;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns a forecast into an allocation. For each resource the target covers the highest upper bound
 * between now and the resource's lead time plus one step (so capacity is there before the peak), plus
 * headroom, rounded up to the next level of the configured ladder ({@link PlannerConfig#level}). Scaling up happens at once; scaling down only after demand stayed below the current
 * allocation for {@code scaleDownHoldSteps} consecutive decisions (hysteresis), and changes smaller
 * than the dead-band are skipped; a target is never above the user's recent peak ({@link Forecast#ceiling}) plus
 * headroom; a bound resting on known demand (a job log's running and queued jobs, see
 * {@link Forecast#knows}) scales down without the hold and is not rounded up to the ladder; with a peak hold
 * ({@link PlannerConfig#peakHoldSteps}) a target from usage is not below the held peak ({@link Forecast#floor}) plus
 * headroom. Pure: all state comes in through {@link State}.
 */
public final class Planner {
    /** Per-user memory of the planner between decisions (how long demand has been low). */
    public static final class State {
        final int[] lowFor = new int[Resource.COUNT];

        public int lowFor(Resource r) {
            return lowFor[r.ordinal()];
        }

        /** A copy of the counters, indexed by {@link Resource#ordinal()}, for persisting the state. */
        public int[] toArray() {
            return lowFor.clone();
        }

        /** Restores a state persisted with {@link #toArray()}. */
        public static State restore(int[] lowFor) {
            if (lowFor == null || lowFor.length != Resource.COUNT) {
                throw new IllegalArgumentException("planner state needs one counter per resource");
            }
            State s = new State();
            System.arraycopy(lowFor, 0, s.lowFor, 0, Resource.COUNT);
            return s;
        }
    }

    private final PlannerConfig config;
    private final PatternAdjustments adjustments;

    public Planner(PlannerConfig config) {
        this(config, PatternAdjustments.NONE);
    }

    /** A planner that also applies per-pattern adjustments (see {@link PatternAdjustments}). */
    public Planner(PlannerConfig config, PatternAdjustments adjustments) {
        this.config = Objects.requireNonNull(config, "config");
        this.adjustments = Objects.requireNonNull(adjustments, "adjustments");
    }

    public PlannerConfig config() {
        return config;
    }

    public PatternAdjustments adjustments() {
        return adjustments;
    }

    /** Plans without pattern knowledge (as for {@link io.foresight.core.model.Pattern#UNKNOWN} with no adjustments). */
    public PlannedAllocation plan(Forecast f, ResourceVector current, State state) {
        return plan(f, current, state, (Pattern) null, false);
    }

    /** Plans for a user's profile: its pattern selects the adjustments. */
    public PlannedAllocation plan(Forecast f, ResourceVector current, State state, UserProfile profile, boolean realTime) {
        Objects.requireNonNull(profile, "profile");
        return plan(f, current, state, profile.pattern(), realTime);
    }

    /**
     * @param pattern  the user's behaviour pattern (null: no pattern adjustment)
     * @param realTime the user asked for real-time service (network priority)
     */
    public PlannedAllocation plan(Forecast f, ResourceVector current, State state, Pattern pattern, boolean realTime) {
        return plan(f, current, state, pattern, realTime, config.headroom());
    }

    /**
     * As above with the base headroom given (a learned one, already within the policy's bounds) instead of the
     * configured {@link PlannerConfig#headroom()}.
     */
    public PlannedAllocation plan(Forecast f, ResourceVector current, State state, Pattern pattern, boolean realTime,
                                  double headroom) {
        Objects.requireNonNull(f, "forecast");
        if (!(headroom >= 0)) {
            throw new IllegalArgumentException("headroom must be >= 0, got " + headroom);
        }
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(state, "state");
        double[] target = new double[Resource.COUNT];
        double[] peak = new double[Resource.COUNT];
        StringBuilder why = new StringBuilder();
        for (Resource r : Resource.values()) {
            int i = r.ordinal();
            // A change decided now takes effect after the lead time, and a later increase would again
            // need that long: the target must cover every step up to and including step lead.
            int lead = config.lead(r);
            if (f.horizon() < lead + 1) {
                why.append(r.name().toLowerCase(Locale.ROOT)).append(" horizon ").append(f.horizon())
                        .append(" < lead+1 ").append(lead + 1).append(" (peak may be missed); ");
            }
            double need = f.peakUpper(0, lead + 1).get(r);
            peak[i] = need;
            double cur = current.get(r);
            if (Double.isNaN(need)) {
                target[i] = cur; // nothing known: hold
                state.lowFor[i] = 0;
                continue;
            }
            double extra = pattern == null ? 0 : adjustments.extraHeadroom(pattern, realTime, r);
            int hold = pattern == null ? config.scaleDownHoldSteps()
                    : adjustments.scaleDownHold(pattern, realTime, r, config.scaleDownHoldSteps());
            double held = f.knows(r) ? Double.NaN : f.floor(r);
            // not below the peak of the hold window (PlannerConfig#peakHoldSteps): released once that peak is old
            double raw = (Double.isNaN(held) ? need : Math.max(need, held)) * (1 + headroom + extra);
            double want;
            if (f.knows(r)) {
                // the bound rests on jobs known to be running or queued: a drop is jobs that ended, not a forecast
                // that may bounce back, so no hysteresis (the policy's step limit still paces the scale-down); and
                // no ladder: known jobs' cores are exact, rounding them up a level is paid for every hour they run
                hold = 0;
                want = Math.max(config.minimum().get(r), raw);
            } else {
                want = config.level(raw);
                double ceiling = f.ceiling(r);
                if (!Double.isNaN(ceiling)) {
                    // the user's recent peak plus headroom is enough: neither a bound widened by a spike's errors nor the
                    // ladder's rounding up is paid for above what the user used all week (Forecast#ceiling)
                    want = Math.min(want, ceiling * (1 + headroom));
                }
                want = Math.max(config.minimum().get(r), want);
            }
            if (Double.isNaN(cur) || want > cur) {
                target[i] = want;
                state.lowFor[i] = 0;
                if (!Double.isNaN(cur)) {
                    why.append(r.name().toLowerCase(Locale.ROOT)).append(" up; ");
                }
            } else if (want < cur * (1 - config.deadband())) {
                state.lowFor[i]++;
                if (state.lowFor[i] > hold) {
                    target[i] = want;
                    state.lowFor[i] = 0;
                    why.append(r.name().toLowerCase(Locale.ROOT)).append(" down; ");
                } else {
                    target[i] = cur;
                }
            } else {
                target[i] = cur;
                state.lowFor[i] = 0;
            }
        }
        return new PlannedAllocation(f.user(), f.issuedAt(), current, ResourceVector.of(target), ResourceVector.of(peak),
                f.model(), why.length() == 0 ? "hold" : why.substring(0, why.length() - 2));
    }
}
