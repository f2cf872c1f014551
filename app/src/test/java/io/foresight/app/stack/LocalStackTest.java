package io.foresight.app.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {
    @TempDir
    Path home;

    @Test
    void aMissingPythonIsReportedWithTheFixAndNothingIsStarted() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_PYTHON", "/nonexistent/python3"));
        LocalStack s = new LocalStack(c, new PrintStream(new ByteArrayOutputStream()));
        StackException e = assertThrows(StackException.class, s::up);
        assertTrue(e.getMessage().contains("not installed") && e.getMessage().contains("Fix"), e.getMessage());
        assertFalse(Files.exists(home.resolve(".foresight/run/temporal.pid")));
    }

    @Test
    void aPortInUseIsDetected() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertFalse(LocalStack.portFree("127.0.0.1", taken.getLocalPort()));
        }
    }

    @Test
    void servicesAreBoundToTheConfiguredLoopbackPorts() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_TEMPORAL_PORT", "17233",
                "FORESIGHT_MLFLOW_PORT", "15000", "FORESIGHT_PROMETHEUS_BINARY", "/nonexistent"));
        var services = new LocalStack(c, new PrintStream(new ByteArrayOutputStream())).services();
        assertEquals(2, services.size(), "prometheus is skipped when its binary is absent");
        assertTrue(services.get(0).command().contains("17233"));
        assertTrue(services.get(1).command().contains("15000"));
        services.forEach(s -> assertEquals("127.0.0.1", s.ip()));
    }
}
