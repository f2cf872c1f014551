package io.foresight.workflows.retrain;

/**
 * The candidate and the current champion measured on the same holdout window.
 *
 * @param championVersion the champion's version, or "" when there is none (then championValue is NaN)
 * @param baselineValue   seasonal naive on the same window, for context
 */
public record Backtest(String backtestId, String metric, double candidateValue, String championVersion,
                       double championValue, double baselineValue) {}
