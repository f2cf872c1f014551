package io.foresight.core.model;

/** Service tier of a user; policies set limits per tier. */
public enum Tier {
    PREMIUM,
    STANDARD,
    BEST_EFFORT
}
