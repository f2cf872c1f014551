package io.foresight.core.forecast;

import java.util.Arrays;

/**
 * The last {@code capacity} values of a stream and an exact order statistic of them, for the conformal bounds of
 * {@link BlendForecaster}. Only a ring of the values is kept, in single precision, and it grows with the values up to
 * its capacity: a week of 5-minute residuals per resource and user was 32 KB as doubles with a sorted copy, allocated
 * in full before the first residual, and that was most of what a 100,000-user worker held. A residual is a scaled
 * forecast error; its 7th significant digit moves a bound by less than a millionth of the scale. The answer is found
 * from the last one: the structure remembers the value it returned and how many values lie below and at it, keeps those two counts
 * as values enter and leave, and when the rank asked falls outside them moves to the next smaller or larger value by
 * one scan of the ring (a step or two per new value). Values are ordered as {@link Double#compare} orders them, as a
 * sorted array would be, so the answer is the k-th of the sorted window (of the values as stored), bit for bit.
 */
final class RollingQuantile {
    /** Scratch for the first answer (one sort per tracker), per thread: forecasts of a pool run on several threads. */
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[0]);

    private final int capacity;
    private float[] ring;
    private int size;
    private int head;
    /** The value last answered, the count of values ordered below it and equal to it; {@code known} false before one. */
    private boolean known;
    private double at;
    private int below;
    private int equal;

    RollingQuantile(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        ring = new float[Math.min(capacity, 64)];
    }

    int size() {
        return size;
    }

    void add(double v) {
        if (Double.isNaN(v)) {
            return;
        }
        if (size == ring.length && size < capacity) {
            // still filling (values in ring[0, size), head == size): grow by a quarter, at most to the capacity
            ring = Arrays.copyOf(ring, Math.min(capacity, size + Math.max(64, size / 4)));
            head = size;
        }
        if (size == capacity) {
            count(ring[head], -1);
            size--;
        }
        float stored = (float) v;
        ring[head] = stored;
        head = (head + 1) % ring.length;
        size++;
        count(stored, 1);
    }

    private void count(double v, int delta) {
        if (known) {
            int c = Double.compare(v, at);
            if (c < 0) {
                below += delta;
            } else if (c == 0) {
                equal += delta;
            }
        }
    }

    /**
     * The split-conformal quantile: the ceil(q (n + 1))-th smallest of n values (the largest when
     * that exceeds n), so the next value falls at or below it with probability at least q.
     */
    double quantile(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        int k = Math.min(Math.max((int) Math.ceil(q * (size + 1)) - 1, 0), size - 1);
        if (!known || k < below - 8 || k >= below + equal + 8) {
            first(k);
        }
        while (k < below || k >= below + equal) {
            step(k >= below + equal);
        }
        return at;
    }

    /** The k-th smallest from scratch (one sort of the window). */
    private void first(int k) {
        double[] s = SCRATCH.get();
        if (s.length < size) {
            s = new double[capacity];
            SCRATCH.set(s);
        }
        // the values are ring[0 .. size) while the ring fills, all of it once full
        for (int i = 0; i < size; i++) {
            s[i] = ring[i];
        }
        Arrays.sort(s, 0, size);
        at = s[k];
        int lo = k;
        while (lo > 0 && Double.compare(s[lo - 1], at) == 0) {
            lo--;
        }
        int hi = k + 1;
        while (hi < size && Double.compare(s[hi], at) == 0) {
            hi++;
        }
        below = lo;
        equal = hi - lo;
        known = true;
    }

    /** Moves to the next larger value present ({@code up}) or the next smaller one, with its count. */
    private void step(boolean up) {
        double best = up ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        boolean found = false;
        int n = 0;
        for (int i = 0; i < size; i++) {
            double v = ring[i];
            int c = Double.compare(v, at);
            if (up ? c > 0 : c < 0) {
                int b = found ? Double.compare(v, best) : (up ? -1 : 1);
                if (b == 0) {
                    n++;
                } else if (up ? b < 0 : b > 0) {
                    best = v;
                    n = 1;
                    found = true;
                }
            }
        }
        if (!found) {
            throw new IllegalStateException("no value " + (up ? "above " : "below ") + at + " in a window of " + size);
        }
        if (up) {
            below += equal;
            equal = n;
        } else {
            equal = n;
            below -= n;
        }
        at = best;
    }
}
