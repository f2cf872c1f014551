package io.foresight.core.model;

/** Behaviour patterns users are classified into; the planner and policies act on them. */
public enum Pattern {
    /** Long, compute-heavy runs, often at night or in bursts of jobs; tolerates interruption. */
    BATCH,
    /** Short bursts during working hours, idle otherwise. */
    INTERACTIVE_DEV,
    /** Large memory footprints with irregular CPU bursts. */
    DATA_ANALYSIS,
    /** Steady around-the-clock service load, latency-sensitive. */
    STEADY_SERVICE,
    /** Next to no usage. */
    IDLE,
    /** Not enough history to tell. */
    UNKNOWN;

    public boolean interruptible() {
        return this == BATCH || this == IDLE;
    }
}
