package io.foresight.core.forecast;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The promotion gate's verdict on a model, as its manifest carries it: passed or not, one line saying why
 * (the numbers compared), and the backtest metrics of the model, the champion it was compared with and
 * the last-value yardstick ({@code challenger.*}, {@code champion.*}, {@code last_value.*}).
 */
public record GateVerdict(boolean passed, String reason, Map<String, Double> metrics) {
    public GateVerdict {
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("a gate verdict needs a reason");
        }
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metrics, "metrics")));
    }

    /** Not judged yet: a freshly trained model before its backtest. */
    public static GateVerdict pending() {
        return new GateVerdict(false, "not judged by the promotion gate yet", Map.of());
    }
}
