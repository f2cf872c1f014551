package io.foresight.core.engine;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.feedback.HeadroomLearner;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The headroom bandit ({@link HeadroomLearner}, per pattern, arms within the policy's bounds) as a stage of the
 * cycle: stateless over a {@link State} the driver keeps (the loop in its state dir, {@code evaluate} in memory).
 * Once per cycle, pool-wide, {@link #learn} records the interval just observed (reward from each user's cost and
 * under-provisioning under the allocation in force) against the arm the user was planned with, leaving out
 * users whose usage was anomalous, and draws each user's arm for the next plan. Draws are seeded per (user,
 * time), so the result does not depend on the order the driver visits users in.
 *
 * <p>Attribution: an interval is served by the decision of the cycle before, planned with the arm drawn the cycle
 * before that ({@link State#planned()}); an allocation held by hysteresis is credited to the arm in use too.
 */
public final class LearnedHeadroom {
    /**
     * @param learner  the bandit's evidence
     * @param planned  arm per user used by the plan whose decision is in force for the interval observed next
     * @param next     arm per user for the coming plan
     */
    public record State(HeadroomLearner.Snapshot learner, Map<String, Double> planned, Map<String, Double> next) {
        public State {
            Objects.requireNonNull(learner, "learner");
            planned = planned == null ? Map.of() : new TreeMap<>(planned);
            next = next == null ? Map.of() : new TreeMap<>(next);
        }
    }

    /** One user's interval as the bandit scores it. */
    public record Outcome(String user, Pattern pattern, double cost, boolean violated, double shortfall, boolean anomalous) {}

    private final HeadroomLearner.Config config;

    public LearnedHeadroom(HeadroomLearner.Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public HeadroomLearner.Config config() {
        return config;
    }

    public State initial() {
        return new State(new HeadroomLearner(config).snapshot(), Map.of(), Map.of());
    }

    /** The arm for a user's coming plan; the configured headroom before the first draw. */
    public static double headroom(State s, String user, double fallback) {
        if (s == null) {
            return fallback;
        }
        Double h = s.next().get(user);
        return h == null ? fallback : h;
    }

    /**
     * The outcome of one user's interval: cost of the allocation in force and under-provisioning of CPU and memory
     * (shortfall: the deepest relative shortfall); null when the interval was not observed.
     */
    public static Outcome outcome(String user, Pattern pattern, ResourceVector inForce, double[] usage, int stepSeconds,
                                  PriceBook prices, boolean anomalous) {
        if (Double.isNaN(usage[Resource.CPU.ordinal()])) {
            return null;
        }
        boolean violated = false;
        double shortfall = 0;
        for (Resource r : new Resource[] {Resource.CPU, Resource.MEMORY}) {
            double u = usage[r.ordinal()];
            double a = inForce.get(r);
            if (Double.isNaN(u) || Double.isNaN(a) || u <= a) {
                continue;
            }
            violated = true;
            shortfall = Math.max(shortfall, a > 0 ? Math.min(1, (u - a) / a) : 1);
        }
        double cost = prices.costPerHour(inForce, false) * stepSeconds / 3600.0;
        return new Outcome(user, pattern, cost, violated, shortfall, anomalous);
    }

    /**
     * Records the interval just observed and draws the next arms.
     *
     * @param prev     the state before (null: nothing learned yet)
     * @param at       start of the interval observed (seeds the draws)
     * @param outcomes the pool's users' outcomes of that interval (any order)
     * @param next     the users to draw an arm for, with their current pattern
     */
    public State learn(State prev, long at, List<Outcome> outcomes, Map<String, Pattern> next) {
        State s = prev == null ? initial() : prev;
        HeadroomLearner l = HeadroomLearner.restore(s.learner());
        List<Outcome> sorted = new ArrayList<>(outcomes);
        sorted.sort(Comparator.comparing(Outcome::user));
        for (Outcome o : sorted) {
            Double arm = s.planned().get(o.user());
            if (arm == null || o.anomalous()) {
                continue; // planned with the configured headroom, or usage was anomalous: no evidence about arms
            }
            l.record(o.pattern(), arm, o.cost(), o.violated(), o.shortfall());
        }
        Map<String, Double> drawn = new TreeMap<>();
        next.forEach((user, pattern) -> drawn.put(user,
                l.headroomFor(pattern, new SplittableRandom(config.seed() * 31 + at * 1_000_003L + user.hashCode()))));
        return new State(l.snapshot(), s.next(), drawn);
    }

    /** The best arm per pattern so far (no exploration): what the loop reports as its learned headroom. */
    public static Map<Pattern, Double> best(State s) {
        return HeadroomLearner.restore(s.learner()).current();
    }
}
