package io.foresight.core.eval;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;

/**
 * Writes exactly what {@link Backtest#run} scores, for tools outside the JVM (bench/peers): {@value #SERIES} has
 * every user's series as the reader produced it (index, timestamp, the four resources in their units, empty where
 * unobserved) and {@value #ORIGINS} every origin the backtest forecasts from (user, index, timestamp) with the
 * horizon. A peer forecasts from values before each origin and is scored on the next {@code horizon} values.
 */
public final class BacktestPoints {
    public static final String SERIES = "series.csv";
    public static final String ORIGINS = "origins.csv";

    private BacktestPoints() {}

    /** Returns the number of origins written. */
    public static long write(Collection<UserSeries> users, Backtest.Config c, Path dir) {
        long origins = 0;
        try {
            Files.createDirectories(dir);
            try (BufferedWriter s = Files.newBufferedWriter(dir.resolve(SERIES));
                 BufferedWriter o = Files.newBufferedWriter(dir.resolve(ORIGINS))) {
                s.write("user,index,timestamp,cpu,memory,network,disk\n");
                o.write("user,origin,timestamp,horizon\n");
                for (UserSeries u : users) {
                    for (int i = 0; i < u.size(); i++) {
                        StringBuilder b = new StringBuilder().append(u.user()).append(',').append(i).append(',')
                                .append(u.timestamp(i));
                        for (Resource r : Resource.values()) {
                            double v = u.usage(r, i);
                            b.append(',').append(Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.9g", v));
                        }
                        s.write(b.append('\n').toString());
                    }
                    for (int k : Backtest.origins(u, c)) {
                        o.write(u.user() + "," + k + "," + u.timestamp(k) + "," + c.horizon() + "\n");
                        origins++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backtest points into " + dir, e);
        }
        return origins;
    }
}
