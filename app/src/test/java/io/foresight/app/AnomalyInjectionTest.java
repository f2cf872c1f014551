package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.AnomalyDetector;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's injected incident, on the bundled real slice, is what the loop's online detector finds. */
class AnomalyInjectionTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");

    @Test
    void theInjectedMemoryIncidentIsDetectedOnlineAndNothingElseChanges(@TempDir Path dir) throws Exception {
        Trace original = BitbrainsReader.read(SLICE);
        String user = DemoCommand.quietestUser(original, Wiring.WARMUP_STEPS);
        int at = Wiring.WARMUP_STEPS + 72;
        Path copy = dir.resolve("injected.csv.gz");
        AnomalyInjection.spike(SLICE, copy, user, original.user(user).timestamp(at), 6, 0.95);
        Trace injected = BitbrainsReader.read(copy);

        UserSeries s = injected.user(user);
        for (int i = at; i < at + 6; i++) {
            assertEquals(0.95 * s.capacity(Resource.MEMORY, i), s.usage(Resource.MEMORY, i), 1e-3);
        }
        assertEquals(original.user(user).usage(Resource.MEMORY, at + 6), s.usage(Resource.MEMORY, at + 6), 0.0,
                "only the incident's intervals change");
        assertEquals(original.user("42").usage(Resource.MEMORY, at), injected.user("42").usage(Resource.MEMORY, at), 0.0);

        AnomalyDetector online = new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults());
        List<Anomaly> first = online.detectAt(s, at);
        assertFalse(first.isEmpty(), "the first interval of the incident is flagged");
        assertTrue(first.stream().anyMatch(a -> a.resource() == Resource.MEMORY && a.kind() == Anomaly.Kind.SPIKE),
                first.toString());
    }
}
