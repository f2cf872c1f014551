package io.foresight.app.stack;

import io.foresight.activities.controlloop.PostgresStateStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PostgreSQL for integration tests, made the way {@code ./foresight stack up} makes the local one
 * ({@link LocalPostgres}: initdb into {@code dir}, server on 127.0.0.1 and a free port), stopped by {@link #close()}.
 * Tests that need it are skipped (not failed) where the machine has no PostgreSQL binaries.
 */
public final class TestPostgres implements AutoCloseable {
    private final LocalPostgres pg;
    private final Path log;
    private final int port;
    private Process server;

    private TestPostgres(LocalPostgres pg, Path log, int port) {
        this.pg = pg;
        this.log = log;
        this.port = port;
    }

    public static boolean available() {
        return LocalPostgres.findBinaries(System.getenv("FORESIGHT_POSTGRES_BIN_DIR")).isPresent();
    }

    public static TestPostgres start(Path dir) throws IOException, InterruptedException {
        LocalPostgres pg = new LocalPostgres(LocalPostgres.findBinaries(System.getenv("FORESIGHT_POSTGRES_BIN_DIR"))
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL binaries. Fix: apt-get install postgresql")), dir);
        Path log = dir.resolve("postgres.log");
        Files.createDirectories(dir);
        pg.ensureCluster(log);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestPostgres t = new TestPostgres(pg, log, port);
        t.startServer();
        pg.ensureDatabase("127.0.0.1", port);
        return t;
    }

    /** Starts the server (again, after {@link #stop()}) and waits until it accepts logins. */
    public void startServer() throws IOException, InterruptedException {
        server = new ProcessBuilder(pg.serverCommand("127.0.0.1", port)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!pg.ready("127.0.0.1", port)) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL did not come up: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    /** Fast shutdown (SIGINT): connections are cut, as when the database host goes away. */
    public void stop() throws InterruptedException {
        if (server != null && server.isAlive()) {
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).start().waitFor();
            } catch (IOException e) {
                server.destroy();
            }
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    public PostgresStateStore.Settings settings() {
        return new PostgresStateStore.Settings(LocalPostgres.url("127.0.0.1", port), LocalPostgres.ROLE, pg.password());
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
