package io.foresight.core.eval;

/**
 * An allocator that forecasts: after {@link UserAllocator#allocate(int)} it can say what it
 * predicted for that interval, so the harness scores the forecast against the usage it then sees.
 */
public interface ForecastingAllocator extends UserAllocator {
    /** Point forecast per resource for the interval last allocated (NaN where none). */
    double[] lastPoint();

    /** Upper bound per resource for the interval last allocated (NaN where none). */
    double[] lastUpper();
}
