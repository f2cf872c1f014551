package io.foresight.core.eval;

import io.foresight.core.baseline.StaticPolicy;
import io.foresight.core.control.ControllerDecision;
import io.foresight.core.control.PredictiveController;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.Planner;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.trace.UserSeries;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Foresight in the replay: a thin adapter over {@link PredictiveController}, the class the control
 * loop's activities call. It hands the controller a copy of the user's series that holds only what
 * was observed so far (NaN after), so nothing from the future can be read. Before anything was
 * observed, the user holds its provisioned size (as every baseline does).
 */
public final class ForesightPolicy implements AllocationPolicy {
    private final PredictiveController controller;
    private final StaticPolicy initial;
    private final Map<String, Object> extra;

    public ForesightPolicy(PredictiveController controller, StaticPolicy initial, Map<String, Object> extraParameters) {
        this.controller = Objects.requireNonNull(controller, "controller");
        this.initial = Objects.requireNonNull(initial, "initial");
        this.extra = Map.copyOf(extraParameters);
    }

    @Override
    public String name() {
        return "foresight";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>(extra);
        var c = controller.planner().config();
        p.put("forecaster", controller.forecaster().name());
        p.put("lead_steps", Arrays.toString(c.leadSteps()));
        p.put("headroom", c.headroom());
        p.put("scale_down_hold_steps", c.scaleDownHoldSteps());
        p.put("deadband", c.deadband());
        p.put("minimum", c.minimum().toString());
        return p;
    }

    @Override
    public UserAllocator start(UserSeries test) {
        return new Allocator(test, initial.start(test));
    }

    private final class Allocator implements ForecastingAllocator {
        private final UserSeries seen;
        private final double[][] cols = new double[Resource.COUNT][];
        private final UserAllocator fallback;
        private final Planner.State state = new Planner.State();
        private final UserProfile profile;
        private ResourceVector current;
        private double[] point = nan();
        private double[] upper = nan();

        Allocator(UserSeries test, UserAllocator fallback) {
            int n = test.size();
            double[][] usage = new double[Resource.COUNT][n];
            double[][] cap = new double[Resource.COUNT][n];
            for (int r = 0; r < Resource.COUNT; r++) {
                Arrays.fill(usage[r], Double.NaN);
                Arrays.fill(cap[r], Double.NaN);
                cols[r] = usage[r];
            }
            this.seen = new UserSeries(test.user(), test.stepSeconds(), test.timestamps().clone(), usage, cap);
            this.fallback = fallback;
            this.profile = UserProfile.newUser(test.user());
            double[] none = nan();
            this.current = ResourceVector.of(none);
        }

        private static double[] nan() {
            double[] a = new double[Resource.COUNT];
            Arrays.fill(a, Double.NaN);
            return a;
        }

        @Override
        public double[] allocate(int i) {
            double[] provisioned = fallback.allocate(i);
            PolicyContext ctx = new PolicyContext("eval", seen.timestamp(i), Map.of(), false);
            ControllerDecision d = controller.decide(seen, i, current, state, profile, ctx);
            current = d.allocation();
            for (int r = 0; r < Resource.COUNT; r++) {
                point[r] = d.forecast().point()[r][0];
                upper[r] = d.forecast().upper()[r][0];
            }
            double[] out = current.toArray();
            for (int r = 0; r < Resource.COUNT; r++) {
                if (Double.isNaN(out[r])) {
                    out[r] = provisioned[r];
                }
            }
            return out;
        }

        @Override
        public void observe(int i, double[] usage) {
            fallback.observe(i, usage);
            for (int r = 0; r < Resource.COUNT; r++) {
                cols[r][i] = usage[r];
            }
        }

        @Override
        public double[] lastPoint() {
            return point.clone();
        }

        @Override
        public double[] lastUpper() {
            return upper.clone();
        }
    }
}
