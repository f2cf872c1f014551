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

    /** The forecast at {@code now} alone, its upper bound equal to the point (a median, not a bound). */
    default Forecast pointForecast(UserSeries history, int now, int horizon) {
        double[][] point = pointsFrom(history, now, now + 1, horizon)[0];
        double[][] upper = new double[point.length][];
        for (int r = 0; r < point.length; r++) {
            upper[r] = point[r].clone();
        }
        long issued = history.size() == 0 ? 0 : history.timestamp(0) + (long) now * history.stepSeconds();
        return new Forecast(history.user(), issued, history.stepSeconds(), 0.5, point, upper, name());
    }
}
