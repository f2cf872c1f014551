package io.foresight.core.model;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;

/** An immutable amount of each {@link Resource}, in the resource's unit. */
public final class ResourceVector {
    public static final ResourceVector ZERO = new ResourceVector(new double[Resource.COUNT]);

    private final double[] values;

    private ResourceVector(double[] values) {
        this.values = values;
    }

    public static ResourceVector of(double cpu, double memory, double network, double disk) {
        return new ResourceVector(new double[] {cpu, memory, network, disk});
    }

    /** Copies {@code values}, indexed by {@link Resource#ordinal()}. */
    public static ResourceVector of(double[] values) {
        if (values.length != Resource.COUNT) {
            throw new IllegalArgumentException("expected " + Resource.COUNT + " values, got " + values.length);
        }
        return new ResourceVector(values.clone());
    }

    public double get(Resource r) {
        return values[r.ordinal()];
    }

    public double cpu() { return values[0]; }
    public double memory() { return values[1]; }
    public double network() { return values[2]; }
    public double disk() { return values[3]; }

    public double[] toArray() {
        return values.clone();
    }

    public ResourceVector with(Resource r, double v) {
        double[] c = values.clone();
        c[r.ordinal()] = v;
        return new ResourceVector(c);
    }

    public ResourceVector combine(ResourceVector other, DoubleBinaryOperator op) {
        double[] c = new double[Resource.COUNT];
        for (int i = 0; i < c.length; i++) {
            c[i] = op.applyAsDouble(values[i], other.values[i]);
        }
        return new ResourceVector(c);
    }

    public ResourceVector max(ResourceVector other) {
        return combine(other, Math::max);
    }

    public ResourceVector plus(ResourceVector other) {
        return combine(other, Double::sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResourceVector v && Arrays.equals(values, v.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "{cpu=%.3f, memory=%.3f, network=%.3f, disk=%.3f}",
                values[0], values[1], values[2], values[3]);
    }
}
