package io.foresight.core.cost;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;

/**
 * Prices per unit-hour of each resource, on-demand and spot. Defaults follow public cloud list
 * prices for general-purpose capacity (per vCPU-hour and GiB-hour, us-central1 E2, 2026); network
 * and disk bandwidth reservations are priced per MB/s-hour.
 */
public record PriceBook(ResourceVector onDemandPerHour, ResourceVector spotPerHour) {
    public static final PriceBook DEFAULT = new PriceBook(
            ResourceVector.of(0.021811, 0.002923, 0.0004, 0.0002),
            ResourceVector.of(0.006543, 0.000877, 0.0004, 0.0002));

    /** Cost of holding {@code allocation} for {@code seconds}. */
    public double cost(ResourceVector allocation, double seconds, boolean spot) {
        ResourceVector p = spot ? spotPerHour : onDemandPerHour;
        double c = 0;
        for (Resource r : Resource.values()) {
            double a = allocation.get(r);
            if (!Double.isNaN(a)) {
                c += a * p.get(r);
            }
        }
        return c * seconds / 3600.0;
    }

    public double costPerHour(ResourceVector allocation, boolean spot) {
        return cost(allocation, 3600, spot);
    }
}
