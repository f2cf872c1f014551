package io.foresight.core.forecast;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks, per user, the candidate with the lowest backtest error on that user's recent past and
 * forecasts with it. The backtest runs {@code origins} forecasts of {@code horizon} steps ending
 * before {@code now} ({@code spacing} steps apart); the score is the mean over resources of MAE
 * divided by the resource's mean level, so no resource dominates by its unit. The choice is made
 * once per user and cached ({@link #reset} forgets it), because the loop forecasts every few
 * minutes and the ranking changes slowly.
 */
public final class ModelSelector implements Forecaster {
    private final List<Forecaster> candidates;
    private final int horizon;
    private final int origins;
    private final int spacing;
    private final Map<String, Forecaster> chosen = new ConcurrentHashMap<>();

    public ModelSelector(List<Forecaster> candidates, int horizon, int origins, int spacing) {
        this.candidates = List.copyOf(Objects.requireNonNull(candidates, "candidates"));
        if (this.candidates.isEmpty()) {
            throw new IllegalArgumentException("ModelSelector needs at least one candidate");
        }
        if (horizon < 1 || origins < 1 || spacing < 1) {
            throw new IllegalArgumentException("horizon, origins and spacing must be positive");
        }
        this.horizon = horizon;
        this.origins = origins;
        this.spacing = spacing;
    }

    @Override
    public String name() {
        return "selector(" + candidates.size() + ")";
    }

    public List<Forecaster> candidates() { return candidates; }
    public int horizon() { return horizon; }
    public int origins() { return origins; }
    public int spacing() { return spacing; }

    /** The candidate with the lowest scaled backtest MAE on [.., now); the first if there is no history. */
    public Forecaster choose(UserSeries s, int now) {
        Forecaster best = candidates.get(0);
        double bestScore = Double.POSITIVE_INFINITY;
        for (Forecaster f : candidates) {
            double score = score(f, s, now);
            if (score < bestScore) {
                bestScore = score;
                best = f;
            }
        }
        return best;
    }

    double score(Forecaster f, UserSeries s, int now) {
        double[] err = new double[Resource.COUNT];
        double[] level = new double[Resource.COUNT];
        int[] n = new int[Resource.COUNT];
        for (int k = 0; k < origins; k++) {
            int o = now - horizon - k * spacing;
            if (o <= 0) {
                break;
            }
            Forecast fc = f.forecast(s, o, horizon);
            for (Resource r : Resource.values()) {
                for (int h = 0; h < horizon; h++) {
                    double y = s.usage(r, o + h);
                    double p = fc.point(r, h);
                    if (!Double.isNaN(y) && !Double.isNaN(p)) {
                        err[r.ordinal()] += Math.abs(y - p);
                        level[r.ordinal()] += Math.abs(y);
                        n[r.ordinal()]++;
                    }
                }
            }
        }
        double total = 0;
        int rs = 0;
        for (int r = 0; r < Resource.COUNT; r++) {
            if (n[r] > 0) {
                total += err[r] / Math.max(level[r], 1e-9 * n[r]);
                rs++;
            }
        }
        return rs == 0 ? Double.POSITIVE_INFINITY : total / rs;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        Forecaster f = chosen.computeIfAbsent(history.user(), u -> choose(history, now));
        Forecast fc = f.forecast(history, now, horizon);
        return new Forecast(fc.user(), fc.issuedAt(), fc.stepSeconds(), fc.quantile(), fc.point(), fc.upper(),
                name() + ":" + fc.model());
    }

    /** The choices made so far, by user. */
    public Map<String, String> choices() {
        Map<String, String> m = new java.util.TreeMap<>();
        chosen.forEach((u, f) -> m.put(u, f.name()));
        return m;
    }

    public void reset() {
        chosen.clear();
    }
}
