package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.app.stack.FsConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.model.Resource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WiringTest {
    @TempDir
    Path home;

    @Test
    void theSimulatedClusterDefaultsModelNothingExtra() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString()));
        assertEquals(SimulatedCluster.Config.defaults(), Wiring.cluster(c));
    }

    @Test
    void leadTimesAndSpotInterruptionsComeFromConfiguration() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_CLUSTER_LEAD_SECONDS", "300, 600,0,0",
                "FORESIGHT_CLUSTER_SPOT_INTERRUPTIONS_PER_HOUR", "0.02"));
        SimulatedCluster.Config cfg = Wiring.cluster(c);
        assertEquals(300, cfg.lead(Resource.CPU));
        assertEquals(600, cfg.lead(Resource.MEMORY));
        assertEquals(0.02, cfg.spotInterruptionsPerHour());
    }

    @Test
    void badSettingsNameTheKeysAndTheFix() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_CLUSTER_LEAD_SECONDS", "300"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wiring.cluster(c));
        assertTrue(e.getMessage().contains("cluster.lead.seconds") && e.getMessage().contains("Fix:"), e.getMessage());
    }
}
