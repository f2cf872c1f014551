package io.foresight.core.eval;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The promotion gate's measurement: challenger, champion and the yardsticks in one {@link Backtest#run} on
 * the same rolling origins, judged by a {@link PromotionRule}. The two models are scored under the names
 * {@value #CHALLENGER} and {@value #CHAMPION}, so two versions of one family never collide.
 */
public final class ModelComparison {
    public static final String CHALLENGER = "challenger";
    public static final String CHAMPION = "champion";

    /** The backtest table and the verdict; {@code championLabel} names what the challenger was compared with. */
    public record Result(Map<String, Backtest.Score> scores, GateVerdict verdict, String championLabel) {
        /** The table for the console and the MLflow run. */
        public String table() {
            return Backtest.format(scores) + "\n" + Backtest.formatCoverage(scores, ModelFamilies.QUANTILE);
        }
    }

    private ModelComparison() {}

    /**
     * @param champion the current champion, or null when there is none
     */
    public static Result run(Collection<UserSeries> users, Forecaster challenger, Forecaster champion, String championLabel,
                             Backtest.Config config, PromotionRule rule) {
        Objects.requireNonNull(challenger, "challenger");
        List<Forecaster> fs = new ArrayList<>();
        fs.add(named(challenger, CHALLENGER));
        if (champion != null) {
            fs.add(named(champion, CHAMPION));
        }
        Map<String, Backtest.Score> scores = Backtest.run(users, fs, config);
        GateVerdict v = rule.decide(scores, CHALLENGER, champion == null ? null : CHAMPION);
        String label = champion == null ? "none" : championLabel;
        GateVerdict named = champion == null ? v
                : new GateVerdict(v.passed(), v.reason().replace("vs champion ", "vs champion " + label + " "), v.metrics());
        return new Result(scores, named, label);
    }

    static Forecaster named(Forecaster f, String name) {
        return new Forecaster() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Forecast forecast(UserSeries history, int now, int horizon) {
                return f.forecast(history, now, horizon);
            }
        };
    }
}
