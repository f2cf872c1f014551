package io.foresight.activities.controlloop;

import io.foresight.workflows.controlloop.ControlLoopActivities.FeedbackResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;

/**
 * Counts consecutive cycles whose outcome looks like model drift: the share of under-provisioned users
 * above {@code maxUnderShare}, or the CPU forecast error above {@code maeRatio} times its running
 * baseline (an exponential average over healthy cycles). After {@code cycles} such cycles in a row it asks
 * for retraining and starts counting again; after a request it waits {@link #COOLDOWN_CYCLES} before asking
 * again, since a retraining takes minutes and a model needs time to show its effect. Pure; the activity
 * persists {@link State} per pool.
 */
record DriftDetector(double maxUnderShare, double maeRatio, int cycles) {
    static final double BASELINE_WEIGHT = 0.05;
    /** One day of 5-minute cycles between retraining requests of a pool. */
    static final int COOLDOWN_CYCLES = 288;

    DriftDetector {
        if (!(maxUnderShare > 0 && maxUnderShare <= 1) || !(maeRatio > 1) || cycles < 1) {
            throw new IllegalArgumentException("drift settings: maxUnderShare in (0,1], maeRatio > 1, cycles >= 1");
        }
    }

    static DriftDetector defaults() {
        return new DriftDetector(0.25, 2.0, 12);
    }

    /** Per-pool memory: the consecutive drifting cycles and the error baseline (-1: none yet). */
    record State(int count, double baselineMae, int cooldown) {
        static final State INITIAL = new State(0, -1, 0);
    }

    record Step(State next, FeedbackResult result) {}

    Step update(State s, MonitorResult m) {
        double share = m.users() == 0 ? 0 : (double) m.underProvisioned() / m.users();
        boolean errorDrift = m.cpuForecastMae() >= 0 && s.baselineMae() > 0 && m.cpuForecastMae() > maeRatio * s.baselineMae();
        boolean underDrift = share > maxUnderShare;
        boolean drifting = errorDrift || underDrift;
        double baseline = s.baselineMae();
        if (!drifting && m.cpuForecastMae() >= 0) {
            baseline = baseline < 0 ? m.cpuForecastMae()
                    : (1 - BASELINE_WEIGHT) * baseline + BASELINE_WEIGHT * m.cpuForecastMae();
        }
        int count = drifting ? s.count() + 1 : 0;
        String why = !drifting ? "ok"
                : (underDrift ? String.format(java.util.Locale.ROOT, "%.0f%% of users under-provisioned", 100 * share)
                        : String.format(java.util.Locale.ROOT, "CPU forecast error %.3f > %.1f x baseline %.3f",
                                m.cpuForecastMae(), maeRatio, s.baselineMae()))
                        + " for " + count + " cycle(s)";
        int cooldown = Math.max(0, s.cooldown() - 1);
        if (count >= cycles && cooldown == 0) {
            return new Step(new State(0, baseline, COOLDOWN_CYCLES), new FeedbackResult(count, true, why));
        }
        return new Step(new State(Math.min(count, cycles), baseline, cooldown), new FeedbackResult(count, false, why));
    }
}
