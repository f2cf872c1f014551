package io.foresight.collect.store;

import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Map;

/**
 * Read side of the usage time-series: what forecasting and planning query. Windows are
 * [from, to) in Unix seconds; results are on a regular grid of {@code step} seconds starting at
 * {@code from}, with NaN where nothing was observed.
 */
public interface TimeSeriesReader extends AutoCloseable {

    /** One user's usage over [from, to), averaged into steps of {@code step} seconds. */
    UserSeries series(String user, long from, long to, int step);

    /** Every user's most recent {@code windowSeconds}, each ending at that user's last sample. */
    Map<String, UserSeries> latest(long windowSeconds, int step);

    /** Per-user mean and peak of each resource over [from, to), users in id order. */
    List<UserStats> userStats(long from, long to);

    /** Sum over all users of their usage per step: what the pool had to serve (user "pool"). */
    UserSeries poolTotals(long from, long to, int step);

    /** The users with any usage sample. */
    List<String> users();

    @Override
    void close();
}
