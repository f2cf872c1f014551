package io.foresight.core.feedback;

import io.foresight.core.feedback.DriftDetector.RetrainRequest;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.monitor.IntervalReport;
import io.foresight.core.monitor.OutcomeMonitor;
import io.foresight.core.monitor.StalenessGuard;
import io.foresight.core.monitor.UserInterval;
import io.foresight.core.monitor.UserOutcome;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One pool's feedback step for one interval, for the control loop's monitor/feedback activities: scores
 * the outcomes, detects anomalies, feeds forecast errors to drift detection and outcomes to the headroom
 * learner, checks for stale metrics, and appends outcomes and anomalies to their logs. Anomalous
 * user-resources of the interval are kept out of the drift and learner signals (an incident is not the
 * model's or the headroom's fault); they come back as {@link AnomalyFlag}s for the policy rules.
 * Holds the detectors' state across intervals: one instance per pool, called by one thread.
 */
public final class FeedbackCycle {
    /**
     * One user's interval as the loop saw it.
     *
     * @param history      the user's series up to and including the interval (null: skip anomaly detection)
     * @param index        the interval's index in {@code history}
     * @param headroomUsed the headroom the allocation was planned with (NaN: not fed to the learner)
     */
    public record Observation(UserInterval interval, UserSeries history, int index, double headroomUsed) {
        public Observation {
            Objects.requireNonNull(interval, "interval");
            if (history != null && (index < 0 || index >= history.size())) {
                throw new IllegalArgumentException("index " + index + " outside the history of " + interval.user());
            }
        }
    }

    /** What the step found; the loop exports it and acts on flags, retraining and holds. */
    public record Result(IntervalReport report, List<Anomaly> anomalies, List<AnomalyFlag> flags,
                         List<RetrainRequest> retrain, StalenessGuard.Report staleness, Map<Pattern, Double> headroom) {
        public Result {
            anomalies = List.copyOf(anomalies);
            flags = List.copyOf(flags);
            retrain = List.copyOf(retrain);
            headroom = Map.copyOf(headroom);
        }
    }

    private static final Resource[] DRIFT_RESOURCES = {Resource.CPU, Resource.MEMORY};

    private final OutcomeMonitor monitor;
    private final AnomalyDetector detector;
    private final DriftDetector drift;
    private final HeadroomLearner learner;
    private final StalenessGuard guard;
    private final OutcomeLog outcomes;
    private final AnomalyLog anomalyLog;

    public FeedbackCycle(OutcomeMonitor monitor, AnomalyDetector detector, DriftDetector drift, HeadroomLearner learner,
                         StalenessGuard guard, OutcomeLog outcomes, AnomalyLog anomalyLog) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        this.detector = Objects.requireNonNull(detector, "detector");
        this.drift = Objects.requireNonNull(drift, "drift");
        this.learner = Objects.requireNonNull(learner, "learner");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
        this.anomalyLog = Objects.requireNonNull(anomalyLog, "anomalyLog");
    }

    public HeadroomLearner learner() {
        return learner;
    }

    /**
     * @param lastSeen per user and source, the start of the last interval received (see {@link StalenessGuard})
     * @param expected sources every user must report
     */
    public Result run(String pool, long at, List<Observation> observations, Map<String, Map<String, Long>> lastSeen,
                      Set<String> expected) {
        Objects.requireNonNull(observations, "observations");
        List<UserInterval> intervals = new ArrayList<>(observations.size());
        for (Observation o : observations) {
            intervals.add(o.interval());
        }
        IntervalReport report = monitor.observe(pool, at, intervals);
        List<Anomaly> anomalies = new ArrayList<>();
        List<AnomalyFlag> flags = new ArrayList<>();
        Set<String> anomalous = new HashSet<>(); // user + resource
        for (Observation o : observations) {
            if (o.history() == null) {
                continue;
            }
            for (Anomaly a : detector.detectAt(o.history(), o.index())) {
                anomalies.add(a);
                anomalous.add(a.user() + '\u0000' + a.resource());
                AnomalyFlag.of(a).ifPresent(flags::add);
            }
        }
        for (int i = 0; i < observations.size(); i++) {
            Observation o = observations.get(i);
            UserOutcome out = report.outcomes().get(i);
            boolean clean = true;
            for (Resource r : Resource.values()) {
                if (anomalous.contains(out.user() + '\u0000' + r)) {
                    clean = false;
                }
            }
            if (out.model() != null) {
                for (Resource r : DRIFT_RESOURCES) {
                    if (!anomalous.contains(out.user() + '\u0000' + r)) {
                        drift.observe(out.user(), out.model(), r, at, out.absError().get(r));
                    }
                }
            }
            if (clean && !Double.isNaN(o.headroomUsed()) && !Double.isNaN(out.usage().cpu())) {
                learner.record(out.user(), out.pattern(), o.headroomUsed(), out.cost(), out.underProvisioned(),
                        out.maxShortfall());
            }
        }
        StalenessGuard.Report stale = guard.check(at, lastSeen, expected);
        outcomes.append(report.outcomes());
        anomalyLog.append(anomalies);
        return new Result(report, anomalies, flags, drift.drainRetrainRequests(), stale, learner.current());
    }
}
