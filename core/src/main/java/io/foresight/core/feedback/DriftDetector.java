package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Forecast-error drift per user, model and resource: a one-sided CUSUM on the ratio of each interval's
 * absolute error to the model's baseline MAE (the MAE at training time, or learned over the first
 * {@code warmup} intervals). Under the conditions the model was trained on the ratio averages 1, so the
 * sum S = max(0, S + min(ratio, cap) - (1 + allowance)) drifts to 0; once errors grow it climbs, and an
 * alarm is raised when S exceeds {@code threshold}. Clipping at {@code cap} keeps single outliers (which
 * the anomaly detector handles) from triggering retraining alone. After an alarm the key re-learns its
 * baseline, so one regime change raises one alarm, not one per interval.
 */
public final class DriftDetector {
    /**
     * @param warmup    intervals used to learn a baseline MAE when none was given
     * @param allowance how far above the baseline the ratio may run without accumulating (0.5 = 50%)
     * @param cap       per-interval ratio clip
     * @param threshold CUSUM level that raises an alarm
     * @param maeFloor  per resource (by ordinal): smallest baseline MAE, so a near-perfect fit on a flat
     *                  series does not turn tiny errors into huge ratios
     */
    public record Config(int warmup, double allowance, double cap, double threshold, double[] maeFloor) {
        public Config {
            if (warmup <= 0 || !(allowance >= 0) || !(cap > 1 + allowance) || !(threshold > 0)) {
                throw new IllegalArgumentException("need warmup > 0, allowance >= 0, cap > 1 + allowance, threshold > 0; got "
                        + warmup + ", " + allowance + ", " + cap + ", " + threshold);
            }
            if (maeFloor == null || maeFloor.length != Resource.COUNT) {
                throw new IllegalArgumentException("maeFloor needs one value per resource");
            }
            maeFloor = maeFloor.clone();
        }

        /**
         * A day of warmup at 5-minute steps; only errors above twice the baseline accumulate; ratios
         * clipped at 4; alarm at 72 (at least 36 intervals at the cap). Chosen on the real Bitbrains slice
         * (DriftDetectorTest): a doubled workload is caught in about 3 hours, with 2 alarms in 6 x 8
         * unmodified days (allowance 0.5 / threshold 36 raised 5).
         */
        public static Config defaults() {
            return new Config(288, 1.0, 4.0, 72.0, new double[] {0.02, 0.05, 0.1, 0.1});
        }
    }

    /** One detected drift. {@code baselineMae} and {@code recentMae} are in the resource's unit. */
    public record DriftAlarm(String user, String model, Resource resource, long at, double baselineMae,
                             double recentMae, double statistic, String reason) {}

    /** What the feedback stage hands to retraining: which model, for which users, and why. */
    public record RetrainRequest(String model, List<String> users, List<String> reasons, long at) {
        public RetrainRequest {
            Objects.requireNonNull(model, "model");
            users = List.copyOf(users);
            reasons = List.copyOf(reasons);
        }
    }

    private final Config config;
    private final Map<String, State> states = new HashMap<>();
    private final List<DriftAlarm> pending = new ArrayList<>();

    public DriftDetector(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Sets the training-time MAE of a user's model (e.g. from MLflow); resets that key's statistic. */
    public void setBaseline(String user, String model, Resource r, double mae) {
        if (!(mae >= 0)) {
            throw new IllegalArgumentException("baseline MAE must be >= 0, got " + mae);
        }
        State s = new State();
        s.baseline = Math.max(mae, config.maeFloor()[r.ordinal()]);
        states.put(key(user, model, r), s);
    }

    /** Feeds one interval's absolute forecast error; NaN (not observed) is skipped. */
    public Optional<DriftAlarm> observe(String user, String model, Resource r, long at, double absError) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(model, "model");
        if (Double.isNaN(absError)) {
            return Optional.empty();
        }
        if (absError < 0) {
            throw new IllegalArgumentException("absolute error must be >= 0, got " + absError);
        }
        State s = states.computeIfAbsent(key(user, model, r), k -> new State());
        if (Double.isNaN(s.baseline)) {
            s.warmSum += absError;
            if (++s.warmN >= config.warmup()) {
                s.baseline = Math.max(s.warmSum / s.warmN, config.maeFloor()[r.ordinal()]);
                s.warmSum = 0;
                s.warmN = 0;
            }
            return Optional.empty();
        }
        double ratio = Math.min(absError / s.baseline, config.cap());
        s.cusum = Math.max(0, s.cusum + ratio - (1 + config.allowance()));
        s.recentErr = s.sinceReset == 0 ? absError : s.recentErr + (absError - s.recentErr) / Math.min(s.sinceReset + 1, 48);
        s.sinceReset++;
        if (s.cusum <= config.threshold()) {
            return Optional.empty();
        }
        DriftAlarm a = new DriftAlarm(user, model, r, at, s.baseline, s.recentErr, s.cusum,
                String.format(Locale.ROOT, "%s forecast error of user %s drifted: recent MAE %.3f %s vs baseline %.3f %s (CUSUM %.1f > %.1f)",
                        r.name().toLowerCase(Locale.ROOT), user, s.recentErr, r.unit(), s.baseline, r.unit(),
                        s.cusum, config.threshold()));
        pending.add(a);
        states.put(key(user, model, r), new State()); // re-learn the baseline of the new regime
        return Optional.of(a);
    }

    /** Alarms since the last call, grouped into one retraining request per model; clears them. */
    public List<RetrainRequest> drainRetrainRequests() {
        Map<String, List<DriftAlarm>> byModel = new TreeMap<>();
        for (DriftAlarm a : pending) {
            byModel.computeIfAbsent(a.model(), k -> new ArrayList<>()).add(a);
        }
        pending.clear();
        List<RetrainRequest> out = new ArrayList<>();
        byModel.forEach((model, alarms) -> {
            TreeSet<String> users = new TreeSet<>();
            long at = Long.MIN_VALUE;
            List<String> reasons = new ArrayList<>();
            for (DriftAlarm a : alarms) {
                users.add(a.user());
                reasons.add(a.reason());
                at = Math.max(at, a.at());
            }
            out.add(new RetrainRequest(model, new ArrayList<>(users), reasons, at));
        });
        return out;
    }

    /** Keys (user, model, resource) being tracked: bounded by users x models x 4. */
    public int trackedKeys() {
        return states.size();
    }

    private static String key(String user, String model, Resource r) {
        return user + '\u0000' + model + '\u0000' + r.ordinal();
    }

    private static final class State {
        double baseline = Double.NaN;
        double warmSum;
        int warmN;
        double cusum;
        double recentErr;
        long sinceReset;
    }

    /** One tracked key's statistic, for persisting the detector with a loop's state (NaN baseline: warming up). */
    public record KeyState(double baseline, double warmSum, int warmN, double cusum, double recentErr, long sinceReset) {}

    /** Every tracked key's statistic (keys are opaque; pass them back to {@link #restore}). */
    public Map<String, KeyState> snapshot() {
        Map<String, KeyState> out = new TreeMap<>();
        states.forEach((k, s) -> out.put(k, new KeyState(s.baseline, s.warmSum, s.warmN, s.cusum, s.recentErr, s.sinceReset)));
        return out;
    }

    /** A detector that continues from a {@link #snapshot()}; pending alarms are not part of the state. */
    public static DriftDetector restore(Config config, Map<String, KeyState> snapshot) {
        DriftDetector d = new DriftDetector(config);
        snapshot.forEach((k, v) -> {
            State s = new State();
            s.baseline = v.baseline();
            s.warmSum = v.warmSum();
            s.warmN = v.warmN();
            s.cusum = v.cusum();
            s.recentErr = v.recentErr();
            s.sinceReset = v.sinceReset();
            d.states.put(k, s);
        });
        return d;
    }
}
