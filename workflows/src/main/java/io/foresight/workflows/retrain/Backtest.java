package io.foresight.workflows.retrain;

/**
 * The candidate, the current champion and the last-value yardstick measured on the same rolling origins of one
 * holdout window, and the promotion gate's verdict on those numbers.
 *
 * @param metric          the headline metric compared ("all_mase": mean MASE over resources)
 * @param championVersion the champion's version, or "" when there is none (then the blend baseline stood in)
 * @param championValue   the champion's (or baseline's) metric
 * @param baselineValue   last value's metric on the same points
 * @param passed          whether the candidate beat the champion and last value
 * @param verdict         one line: the numbers compared and the outcome
 */
public record Backtest(String backtestId, String metric, double candidateValue, String championVersion,
                       double championValue, double baselineValue, boolean passed, String verdict) {}
