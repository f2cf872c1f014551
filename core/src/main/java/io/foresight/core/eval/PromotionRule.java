package io.foresight.core.eval;

import io.foresight.core.forecast.GateVerdict;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * When a challenger may become champion, decided on the numbers of one {@link Backtest#run} in which the
 * challenger, the champion and the yardsticks were scored on exactly the same points: the challenger must
 * beat last value (mean relative MAE over resources below 1) and beat the champion (mean MASE below the
 * champion's by at least {@code margin}, relative). With no champion only the first condition applies.
 */
public final class PromotionRule {
    private final double margin;

    public PromotionRule(double margin) {
        if (!(margin >= 0 && margin < 1)) {
            throw new IllegalArgumentException("promotion margin must be in [0,1), got " + margin);
        }
        this.margin = margin;
    }

    public double margin() {
        return margin;
    }

    /**
     * @param challenger name of the challenger's forecaster in {@code scores}
     * @param champion   name of the champion's forecaster in {@code scores}, or null when there is none
     */
    public GateVerdict decide(Map<String, Backtest.Score> scores, String challenger, String champion) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(challenger, "challenger");
        Map<String, Double> metrics = new LinkedHashMap<>(Backtest.metrics(scores, challenger, "challenger."));
        metrics.putAll(Backtest.metrics(scores, Backtest.LAST_VALUE, "last_value."));
        metrics.putAll(Backtest.metrics(scores, Backtest.SEASONAL_NAIVE, "seasonal_naive."));
        Backtest.Score ch = scores.get(challenger + "/" + Backtest.ALL);
        if (ch == null || ch.points() == 0 || Double.isNaN(ch.mase()) || Double.isNaN(ch.relMae())) {
            return new GateVerdict(false, "challenger " + challenger + " has no backtest points: not promoted", metrics);
        }
        boolean beatsLast = ch.relMae() < 1;
        String last = String.format(Locale.ROOT, "mean MAE relative to last value %.4f (needs < 1)", ch.relMae());
        boolean beatsChampion = true;
        String champ = "no champion yet";
        if (champion != null && !champion.equals(challenger)) {
            metrics.putAll(Backtest.metrics(scores, champion, "champion."));
            Backtest.Score c = scores.get(champion + "/" + Backtest.ALL);
            if (c == null || Double.isNaN(c.mase())) {
                champ = "champion " + champion + " could not be scored (challenger wins by default)";
            } else {
                double needed = c.mase() * (1 - margin);
                beatsChampion = ch.mase() < needed;
                champ = String.format(Locale.ROOT, "mean MASE %.4f vs champion %.4f (needs < %.4f)", ch.mase(),
                        c.mase(), needed);
            }
        }
        boolean passed = beatsLast && beatsChampion;
        String reason = (passed ? "passed: " : "refused: ") + champ + "; " + last
                + (passed ? "" : beatsChampion ? " — does not beat last value" : beatsLast ? " — does not beat the champion"
                : " — beats neither champion nor last value");
        return new GateVerdict(passed, reason, metrics);
    }
}
