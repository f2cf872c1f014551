package io.foresight.core.eval;

import java.util.List;
import java.util.Map;

/**
 * What a replay measured: metrics per policy (in the order given), forecast accuracy of the
 * forecasting policy (null if none ran), the users and scored user-intervals, sample traces for
 * charts, policy parameters, and how long it took.
 */
public record EvaluationResult(Map<String, PolicyMetrics> policies, Map<String, Map<String, Object>> parameters,
                               String forecastPolicy, ForecastMetrics forecast, int users, long intervals,
                               int stepSeconds, List<Sample> samples, double seconds, int warmupSteps) {
    /** One user's test-period usage and each policy's allocation, for CPU and memory. */
    public record Sample(String user, long[] timestamps, double[][] usage, Map<String, double[][]> allocation) {}
}
