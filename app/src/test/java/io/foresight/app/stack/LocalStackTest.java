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

    @Test
    void postgresqlRunsOnlyForThePostgresStateStoreOnItsLoopbackPortAndNeverAsRoot() throws Exception {
        Path bin = Files.createDirectories(home.resolve("pgbin"));
        for (String tool : new String[] {"postgres", "initdb"}) {
            Path t = bin.resolve(tool);
            Files.writeString(t, "#!/bin/sh\nexit 1\n");
            t.toFile().setExecutable(true);
        }
        FsConfig files = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_POSTGRES_BIN_DIR", bin.toString(),
                "FORESIGHT_PROMETHEUS_BINARY", "/nonexistent"));
        assertTrue(new LocalStack(files, new PrintStream(new ByteArrayOutputStream())).services().stream()
                .noneMatch(s -> s.name().equals("postgres")), "the files store needs no database");

        FsConfig pg = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_POSTGRES_BIN_DIR", bin.toString(),
                "FORESIGHT_PROMETHEUS_BINARY", "/nonexistent", "FORESIGHT_STATE_STORE", "postgresql", "FORESIGHT_POSTGRES_PORT", "15532"));
        ServiceSpec s = new LocalStack(pg, new PrintStream(new ByteArrayOutputStream())).services().stream()
                .filter(x -> x.name().equals("postgres")).findFirst().orElseThrow();
        assertEquals(15532, s.port());
        assertEquals("127.0.0.1", s.ip());
        assertTrue(s.command().contains("listen_addresses=127.0.0.1") && s.command().contains("15532"), s.command().toString());
        assertTrue(s.command().contains("unix_socket_directories="), "TCP only");
        assertTrue(s.command().contains(home.resolve(".foresight/postgres/data").toString()), s.command().toString());
        assertEquals(LocalPostgres.runningAsRoot(), s.command().get(0).equals("unshare"), "as root: in a user namespace");

        FsConfig missing = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_POSTGRES_BIN_DIR", "/nonexistent",
                "FORESIGHT_STATE_STORE", "postgresql", "FORESIGHT_PYTHON", "/nonexistent/python3"));
        fakeVenv();
        StackException e = assertThrows(StackException.class, () -> new LocalStack(missing,
                new PrintStream(new ByteArrayOutputStream())).up());
        assertTrue(e.getMessage().startsWith("state.store=postgresql but PostgreSQL is not installed")
                && e.getMessage().contains("Fix: apt-get install postgresql"), e.getMessage());
    }

    /** A virtualenv whose tools exist (and would fail): enough for up() to get to its port checks. */
    private void fakeVenv() throws Exception {
        Path bin = Files.createDirectories(home.resolve(".venv/bin"));
        for (String tool : new String[] {"temporal", "mlflow"}) {
            Path t = bin.resolve(tool);
            Files.writeString(t, "#!/bin/sh\nexit 1\n");
            t.toFile().setExecutable(true);
        }
    }

    @Test
    void aTakenUiPortIsOneLineNamingThePortAndItsVariable() throws Exception {
        fakeVenv();
        int grpc;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            grpc = free.getLocalPort();
        }
        try (ServerSocket ui = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_TEMPORAL_PORT", String.valueOf(grpc),
                    "FORESIGHT_TEMPORAL_UI_PORT", String.valueOf(ui.getLocalPort()), "FORESIGHT_PROMETHEUS_BINARY", "/nonexistent"));
            StackException e = assertThrows(StackException.class, new LocalStack(c, new PrintStream(new ByteArrayOutputStream()))::up);
            String m = e.getMessage();
            assertTrue(m.contains("port " + ui.getLocalPort()) && m.contains("Temporal Web UI"), m);
            assertTrue(m.contains("FORESIGHT_TEMPORAL_UI_PORT") && m.contains("Fix:"), m);
            assertFalse(m.contains("\n") || m.contains("FORESIGHT_TEMPORAL_PORT "), m);
            assertTrue(m.length() < 200, m.length() + " characters: " + m);
            assertFalse(Files.exists(home.resolve(".foresight/run/temporal.pid")), "nothing was started");
        }
    }

    @Test
    void theStateFolderIsPrivate() throws Exception {
        fakeVenv();
        try (ServerSocket ui = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_TEMPORAL_UI_PORT",
                    String.valueOf(ui.getLocalPort()), "FORESIGHT_PROMETHEUS_BINARY", "/nonexistent"));
            assertThrows(StackException.class, new LocalStack(c, new PrintStream(new ByteArrayOutputStream()))::up);
        }
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve(".foresight"))));
        // an existing world-readable folder (from an older version) is tightened
        Path old = Files.createDirectories(home.resolve("old-state"));
        Files.setPosixFilePermissions(old, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalStack.ensurePrivateDir(old);
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(old)));
    }

    @Test
    void theStateFolderIsPrivateWhicheverCommandCreatesIt() throws Exception {
        Path other = Files.createDirectories(home.resolve("worker-first"));
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", other.toString()));
        Path loop = Files.createDirectories(c.stateDir().resolve("loop")); // as a worker or the demo does, no stack
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(other.resolve(".foresight"))), loop.toString());
    }

    @Test
    void mlflowAnswersOnlyLoopbackHostNames() {
        FsConfig c = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString(), "FORESIGHT_MLFLOW_PORT", "15000"));
        ServiceSpec mlflow = new LocalStack(c, new PrintStream(new ByteArrayOutputStream())).services().get(1);
        int flag = mlflow.command().indexOf("--allowed-hosts");
        assertTrue(flag > 0, mlflow.command().toString());
        assertEquals("127.0.0.1,127.0.0.1:15000,localhost,localhost:15000", mlflow.command().get(flag + 1));
        assertFalse(String.join(" ", mlflow.command()).contains("*"));
    }
}
