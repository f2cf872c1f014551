package io.foresight.core.plan;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.Objects;

/**
 * Turns a forecast into an allocation. For each resource the target covers the highest upper bound
 * between now and the resource's lead time plus one step (so capacity is there before the peak), plus
 * headroom. Scaling up happens at once; scaling down only after demand stayed below the current
 * allocation for {@code scaleDownHoldSteps} consecutive decisions (hysteresis), and changes smaller
 * than the dead-band are skipped. Pure: all state comes in through {@link State}.
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

    public Planner(PlannerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public PlannerConfig config() {
        return config;
    }

    public PlannedAllocation plan(Forecast f, ResourceVector current, State state) {
        Objects.requireNonNull(f, "forecast");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(state, "state");
        double[] target = new double[Resource.COUNT];
        double[] peak = new double[Resource.COUNT];
        StringBuilder why = new StringBuilder();
        for (Resource r : Resource.values()) {
            int i = r.ordinal();
            ResourceVector p = f.peakUpper(0, config.lead(r) + 1);
            double need = p.get(r);
            peak[i] = need;
            double cur = current.get(r);
            if (Double.isNaN(need)) {
                target[i] = cur; // nothing known: hold
                state.lowFor[i] = 0;
                continue;
            }
            double want = Math.max(config.minimum().get(r), need * (1 + config.headroom()));
            if (Double.isNaN(cur) || want > cur) {
                target[i] = want;
                state.lowFor[i] = 0;
                if (!Double.isNaN(cur)) {
                    why.append(r.name().toLowerCase()).append(" up; ");
                }
            } else if (want < cur * (1 - config.deadband())) {
                state.lowFor[i]++;
                if (state.lowFor[i] > config.scaleDownHoldSteps()) {
                    target[i] = want;
                    state.lowFor[i] = 0;
                    why.append(r.name().toLowerCase()).append(" down; ");
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
