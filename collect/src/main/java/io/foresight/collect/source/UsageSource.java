package io.foresight.collect.source;

import io.foresight.core.trace.Trace;

/**
 * Where per-user usage comes from: a trace replay, a live Prometheus, ... Every source returns
 * a validated {@link Trace} whose report says what was accepted, repaired and quarantined.
 */
public interface UsageSource {
    /** Short name kept with every stored row (e.g. "bitbrains", "swf", "prometheus"). */
    String name();

    /** Reads the source's usage (its configured files or window). */
    Trace read();
}
