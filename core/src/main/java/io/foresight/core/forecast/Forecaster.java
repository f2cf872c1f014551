package io.foresight.core.forecast;

import io.foresight.core.trace.UserSeries;

/**
 * Predicts a user's usage of every resource. Implementations read only {@code history}
 * intervals with index &lt; {@code now}, so replays never leak the future.
 */
public interface Forecaster {
    /** Model name and version, recorded with every forecast. */
    String name();

    /**
     * @param history the user's series; only indices [0, now) may be read
     * @param now     index of the first interval to predict
     * @param horizon number of steps to predict
     */
    Forecast forecast(UserSeries history, int now, int horizon);
}
