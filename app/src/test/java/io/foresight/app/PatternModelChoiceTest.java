package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.engine.PopulationProfile;
import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate --pattern-model}: a model directory loads through the loop's loader; a bad spec names the fix. */
class PatternModelChoiceTest {
    @TempDir
    Path tmp;

    @Test
    void aPatternModelDirectoryLoadsWithItsPopulationAndABadSpecSaysWhatToPass() {
        Trace train = BitbrainsReader.read(Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"));
        int n = FeatureVector.NAMES.size();
        PatternClassifier c = new PatternClassifier(PatternClassifier.FOREST, "random-forest/choice", new double[n],
                new double[n], List.of(new TreeEnsemble.Tree(1, new int[] {-1}, new double[] {0}, new int[] {-1},
                new int[] {-1}, new double[] {0})), null, null, Map.of());
        PopulationProfile pop = PopulationProfile.fit(train, u -> "default", 0.9);
        // refused by the gate: scoring a registered or exported version is allowed (the label says it), serving is not
        ModelArtifacts.savePatterns(tmp.resolve("m"), "v", c, pop, 0, 1, Map.of(), Map.of(),
                new GateVerdict(false, "refused: persistence 0.93 >= 0.77", Map.of()));
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        ModelArtifacts.LoadedPatterns p = Models.patternModels(tmp.resolve("m").toString(), null, quiet);
        assertEquals("random-forest/choice", p.version());
        assertEquals(pop.majority(), p.population().majority());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Models.patternModels(tmp.resolve("missing").toString(), null, quiet));
        assertTrue(e.getMessage().contains("neither champion, models:/NAME/VERSION nor a model directory"), e.getMessage());
    }
}
