package io.foresight.core.eval;

/**
 * One user's allocation policy during a replay. The harness calls, for each interval i in order:
 * {@link #allocate(int)} (what is provisioned during i, decided from intervals &lt; i only), then
 * {@link #observe(int, double[])} with the usage of interval i.
 */
public interface UserAllocator {
    /** Allocation per resource for interval {@code i}; may only use what was observed before i. */
    double[] allocate(int i);

    /** Usage per resource during interval {@code i} (NaN where not observed). */
    void observe(int i, double[] usage);
}
