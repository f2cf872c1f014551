package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.PopulationProfile;
import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running worker follows the pattern models' champion: models installed in its state dir while it runs (what the
 * worker does when an MLOps engineer promotes a version in the MLflow UI) name the profiles from the next call on,
 * without a restart; a model the loader refuses leaves the engines as they were.
 */
class PatternChampionFollowTest {
    @TempDir
    Path state;

    @Test
    void patternModelsInstalledWhileTheWorkerRunsAreUsedFromTheNextCall() throws Exception {
        ControlLoopActivitiesImpl a = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state), CycleEngine.Parts.DEFAULTS,
                new FileStateStore(state));
        CycleEngine before = a.engine();
        assertNull(a.patternClassifier(), "nothing installed: the documented rules name patterns");
        assertSame(before, a.engine(), "nothing changed: the same engine");

        Trace slice = BitbrainsReader.read(OneEngineParityTest.slice());
        install("forest/v1", slice, 1_000);
        assertEquals("forest/v1", a.patternClassifier().version());
        CycleEngine v1 = a.engine();
        assertNotSame(before, v1, "the engine was rebuilt on the installed models");

        install("forest/v2", slice, 2_000);
        assertEquals("forest/v2", a.patternClassifier().version());

        // a manifest changed by hand that the loader refuses: the engines keep what they had
        Path manifest = state.resolve(ControlLoopActivitiesImpl.PATTERN_MODEL_DIR).resolve(ModelArtifacts.MANIFEST);
        Files.writeString(manifest, "{\"not\": \"a model\"}");
        Files.setLastModifiedTime(manifest, FileTime.fromMillis(3_000));
        assertEquals("forest/v2", a.patternClassifier().version());
    }

    /** A one-split forest (BATCH above 1 core of mean CPU, IDLE below) installed as the worker installs a champion. */
    private void install(String version, Trace slice, long mtime) throws Exception {
        int n = FeatureVector.NAMES.size();
        int f = FeatureVector.NAMES.indexOf("cpu_mean");
        double[] std = new double[n];
        java.util.Arrays.fill(std, 1);
        var tree = new TreeEnsemble.Tree(1, new int[] {f, -1, -1}, new double[] {1.0, 0, 0}, new int[] {1, -1, -1},
                new int[] {2, -1, -1}, new double[] {0, Pattern.IDLE.ordinal(), Pattern.BATCH.ordinal()});
        var classifier = new PatternClassifier(PatternClassifier.FOREST, version, new double[n], std, List.of(tree), null, null, Map.of());
        Path dir = state.resolve(ControlLoopActivitiesImpl.PATTERN_MODEL_DIR);
        ModelArtifacts.savePatterns(dir, version, classifier, PopulationProfile.fit(slice, u -> "default", 0.9), 0, 1, Map.of(),
                Map.of(), new GateVerdict(true, "test: passed", Map.of()));
        // a distinct modification time per install: file systems with coarse clocks could otherwise hide the change
        Files.setLastModifiedTime(dir.resolve(ModelArtifacts.MANIFEST), FileTime.fromMillis(mtime));
    }
}
