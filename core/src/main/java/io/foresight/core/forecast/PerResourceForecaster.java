package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One point model per resource: where resources behave differently (CPU and memory move with the workload,
 * disk and network are idle most of the time with one-interval bursts), the model that is best on each can
 * serve it. Each part's forecast of its own resource is kept, the other resources' are dropped. Served inside a
 * {@link CalibratedForecaster}, which calibrates the bound of whatever point this returns.
 */
public final class PerResourceForecaster implements Forecaster, PointForecaster {
    private final Map<Resource, PointForecaster> parts;
    private final String name;

    public PerResourceForecaster(Map<Resource, ? extends PointForecaster> parts) {
        Objects.requireNonNull(parts, "parts");
        for (Resource r : Resource.values()) {
            if (parts.get(r) == null) {
                throw new IllegalArgumentException("per-resource model has no part for " + r
                        + ": give one point model for each of " + List.of(Resource.values()));
            }
        }
        this.parts = new EnumMap<>(parts);
        Map<String, List<String>> byModel = new LinkedHashMap<>();
        this.parts.forEach((r, p) -> byModel.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(r.name().toLowerCase()));
        StringBuilder b = new StringBuilder("per-resource(");
        byModel.forEach((m, rs) -> b.append(b.length() > 13 ? "; " : "").append(String.join(",", rs)).append("=").append(m));
        this.name = b.append(")").toString();
    }

    /** The part serving {@code r}. */
    public PointForecaster part(Resource r) {
        return parts.get(r);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        return pointForecast(history, now, horizon);
    }

    @Override
    public double[][][] pointsFrom(UserSeries history, int from, int to, int horizon) {
        double[][][] out = new double[Math.max(0, to - from)][Resource.COUNT][];
        Map<PointForecaster, double[][][]> done = new LinkedHashMap<>();
        for (Resource r : Resource.values()) {
            double[][][] p = done.computeIfAbsent(parts.get(r), m -> m.pointsFrom(history, from, to, horizon));
            for (int o = 0; o < out.length; o++) {
                out[o][r.ordinal()] = p[o][r.ordinal()];
            }
        }
        return out;
    }
}
