package io.foresight.core.forecast;

import java.util.Arrays;

/**
 * The last {@code capacity} values of a stream, kept sorted so any order statistic is O(1) and an
 * update is O(capacity) in memory moves (System.arraycopy), which is fast for a week of 5-minute
 * residuals. Used for the conformal bounds of {@link BlendForecaster}.
 */
final class RollingQuantile {
    private final double[] ring;
    private final double[] sorted;
    private int size;
    private int head;

    RollingQuantile(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        ring = new double[capacity];
        sorted = new double[capacity];
    }

    int size() {
        return size;
    }

    void add(double v) {
        if (Double.isNaN(v)) {
            return;
        }
        if (size == ring.length) {
            double old = ring[head];
            int k = Arrays.binarySearch(sorted, 0, size, old);
            System.arraycopy(sorted, k + 1, sorted, k, size - k - 1);
            size--;
        }
        ring[head] = v;
        head = (head + 1) % ring.length;
        int pos = Arrays.binarySearch(sorted, 0, size, v);
        if (pos < 0) {
            pos = -pos - 1;
        }
        System.arraycopy(sorted, pos, sorted, pos + 1, size - pos);
        sorted[pos] = v;
        size++;
    }

    /**
     * The split-conformal quantile: the ceil(q (n + 1))-th smallest of n values (the largest when
     * that exceeds n), so the next value falls at or below it with probability at least q.
     */
    double quantile(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        int k = (int) Math.ceil(q * (size + 1)) - 1;
        return sorted[Math.min(Math.max(k, 0), size - 1)];
    }
}
