package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.ConformalForecaster;
import io.foresight.core.forecast.DecomposableForecaster;
import io.foresight.core.forecast.LastValueForecaster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The promotion gate's measurement on the bundled real slice (5 VMs, last 2 days held out). */
class ModelComparisonTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");

    @Test
    void theGateRefusesAFamilyThatDoesNotBeatLastValue() {
        Trace trace = BitbrainsReader.read(List.of(SLICE), 5);
        long evalFrom = TrainingWindow.end(trace) - 2 * 86_400L;
        var decomposable = new ConformalForecaster(DecomposableForecaster.defaults(UserFeatures.NO_HOLIDAYS), 0.95, 8, 24);
        ModelComparison.Result r = ModelComparison.run(trace.users().values(), decomposable, null, "none",
                Backtest.Config.rolling(12, evalFrom), new PromotionRule(0.02));
        double rel = r.scores().get(ModelComparison.CHALLENGER + "/all").relMae();
        assertTrue(rel >= 1, "decomposable is worse than last value on this slice: relative MAE " + rel);
        assertFalse(r.verdict().passed(), r.verdict().reason());
        assertTrue(r.verdict().reason().contains("does not beat last value"), r.verdict().reason());
        assertEquals(rel, r.verdict().metrics().get("challenger.all_rel_mae"), 1e-12, "the verdict carries the backtest's numbers");
        assertEquals(1.0, r.verdict().metrics().get("last_value.all_rel_mae"), 1e-12);
        assertTrue(r.table().contains(Backtest.LAST_VALUE) && r.table().contains(ModelComparison.CHALLENGER));
    }

    @Test
    void aChallengerIsComparedWithTheChampionUnderItsOwnNameEvenWhenBothAreTheSameFamily() {
        Trace trace = BitbrainsReader.read(List.of(SLICE), 3);
        long evalFrom = TrainingWindow.end(trace) - 86_400L;
        // the same model as challenger and champion: a tie, which the margin refuses
        ModelComparison.Result r = ModelComparison.run(trace.users().values(), LastValueForecaster.daily(),
                LastValueForecaster.daily(), "foresight-forecaster/v7", Backtest.Config.rolling(12, evalFrom),
                new PromotionRule(0.02));
        assertEquals(r.scores().get("challenger/all").mase(), r.scores().get("champion/all").mase(), 1e-12);
        assertFalse(r.verdict().passed());
        assertTrue(r.verdict().reason().contains("vs champion foresight-forecaster/v7"), r.verdict().reason());
    }
}
