package io.foresight.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsConfigTest {
    @TempDir
    Path home;

    @Test
    void environmentOverridesTheFileAndPathsResolveAgainstHome() throws IOException {
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/foresight.properties"), "temporal.port=7000\nstate.dir=st\nmlflow.port=5100\n");
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_TEMPORAL_PORT", "7999"));
        assertEquals("127.0.0.1:7999", c.temporalTarget());
        assertEquals("http://127.0.0.1:5100", c.mlflowUrl());
        assertEquals(home.resolve("st"), c.stateDir());
    }

    @Test
    void aNonNumericPortNamesTheKeyAndTheFix() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_MLFLOW_PORT", "five"));
        IllegalStateException e = assertThrows(IllegalStateException.class, c::mlflowUrl);
        assertTrue(e.getMessage().contains("mlflow.port") && e.getMessage().contains("FORESIGHT_MLFLOW_PORT"), e.getMessage());
    }

    @Test
    void aMissingCustomConfigFileIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_CONFIG", home.resolve("nope").toString())));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
