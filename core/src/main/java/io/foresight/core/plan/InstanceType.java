package io.foresight.core.plan;

import java.util.Objects;

/** A node type that pools are built from: size and hourly prices (on-demand and spot), in USD. */
public record InstanceType(String name, double vcpu, double memoryGiB, double onDemandHourly, double spotHourly) {
    public InstanceType {
        Objects.requireNonNull(name, "name");
        if (!(vcpu > 0) || !(memoryGiB > 0)) {
            throw new IllegalArgumentException(name + ": vcpu and memoryGiB must be > 0");
        }
        if (!(onDemandHourly > 0) || !(spotHourly > 0)) {
            throw new IllegalArgumentException(name + ": prices must be > 0");
        }
        if (spotHourly > onDemandHourly) {
            throw new IllegalArgumentException(name + ": spot price " + spotHourly + " above on-demand " + onDemandHourly);
        }
    }

    public double hourly(boolean spot) {
        return spot ? spotHourly : onDemandHourly;
    }

    public boolean fits(double cpu, double mem) {
        return cpu <= vcpu + 1e-9 && mem <= memoryGiB + 1e-9;
    }
}
