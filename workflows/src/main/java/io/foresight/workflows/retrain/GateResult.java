package io.foresight.workflows.retrain;

/**
 * What the promotion gate did. {@code outcome} is FIRST_CHAMPION, PROMOTED, CHALLENGER or REJECTED;
 * {@code champion} is the champion version after the gate.
 */
public record GateResult(String outcome, String candidate, String champion, String reason) {}
