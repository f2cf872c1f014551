package io.foresight.core.forecast;

import io.foresight.core.trace.UserSeries;

/**
 * A point forecaster that can replay the forecasts it would have made at every earlier origin of a window in
 * one pass. {@link CalibratedForecaster} needs those past forecasts at every origin to calibrate its upper bound
 * per horizon step on the user's own recent errors; calling a forecaster once per past origin would cost a full
 * forecast each time.
 */
public interface PointForecaster {
    /** Model name and version, recorded with every forecast. */
    String name();

    /**
     * Point forecasts made at each origin o in [from, to), reading only history before o:
     * {@code out[o - from][r][h]} for resource ordinal r and step h (NaN where nothing could be said).
     */
    double[][][] pointsFrom(UserSeries history, int from, int to, int horizon);
}
