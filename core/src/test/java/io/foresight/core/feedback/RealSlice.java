package io.foresight.core.feedback;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The real 6-VM, 10-day Bitbrains slice in test resources (see its README). */
final class RealSlice {
    private static Trace trace;

    private RealSlice() {}

    static synchronized Trace trace() {
        if (trace == null) {
            try {
                Path p = Path.of(RealSlice.class.getResource("/bitbrains/rnd-6vm-10d.csv.gz").toURI());
                trace = BitbrainsReader.read(p);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return trace;
    }

    /** A copy of the user's series whose {@code r} usage is changed by {@code f} on [from, to). */
    static UserSeries injected(UserSeries s, Resource r, int from, int to, java.util.function.DoubleUnaryOperator f) {
        UserSeries c = s.slice(0, s.size());
        double[] y = c.usageColumn(r);
        for (int i = from; i < to; i++) {
            y[i] = f.applyAsDouble(y[i]);
        }
        return c;
    }
}
