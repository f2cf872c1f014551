package io.foresight.mlflow.testing;

import io.foresight.mlflow.MlflowConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real MLflow tracking server for integration tests. Uses the server at {@code MLFLOW_TRACKING_URI} when
 * that is set; otherwise starts {@code mlflow server} from the virtualenv at {@code FORESIGHT_VENV} (default
 * {@code .venv} under the repository root) on a free loopback port with a SQLite store and proxied artifacts
 * in a temp dir, waits for /health, and stops it when the test class's root context closes (one server per
 * test JVM, shared by all classes). Inject {@link MlflowConnection} or {@link URI} into tests.
 */
public final class MlflowServerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MlflowServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        Class<?> t = p.getParameter().getType();
        return t == MlflowConnection.class || t == URI.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        Server s = server(e);
        return p.getParameter().getType() == URI.class ? s.uri : MlflowConnection.of(s.uri);
    }

    private static Server server(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("server", k -> Server.start(), Server.class);
    }

    /** A running server; closing the root store stops it if we started it. */
    static final class Server implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final URI uri;
        private final Process process;
        private final Path dir;

        private Server(URI uri, Process process, Path dir) {
            this.uri = uri;
            this.process = process;
            this.dir = dir;
        }

        static Server start() {
            String existing = System.getenv(MlflowConnection.ENV_TRACKING_URI);
            if (existing != null && !existing.isBlank()) {
                return new Server(URI.create(existing.trim()), null, null);
            }
            Path mlflow = venv().resolve("bin").resolve("mlflow");
            if (!Files.isExecutable(mlflow)) {
                throw new IllegalStateException("no MLflow at " + mlflow + ": set FORESIGHT_VENV to a virtualenv with"
                        + " `pip install mlflow`, or MLFLOW_TRACKING_URI to a running server");
            }
            try {
                Path dir = Files.createTempDirectory("foresight-mlflow-it");
                int port = freePort();
                Process p = new ProcessBuilder(List.of(mlflow.toString(), "server",
                        "--backend-store-uri", "sqlite:///" + dir.resolve("mlflow.db").toAbsolutePath(),
                        "--serve-artifacts", "--artifacts-destination", dir.resolve("artifacts").toAbsolutePath().toString(),
                        "--host", "127.0.0.1", "--port", Integer.toString(port), "--workers", "1"))
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("server.log").toFile())
                        .start();
                URI uri = URI.create("http://127.0.0.1:" + port);
                Server s = new Server(uri, p, dir);
                s.awaitHealthy(Duration.ofSeconds(90));
                return s;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + mlflow + ": " + e.getMessage(), e);
            }
        }

        private void awaitHealthy(Duration limit) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("mlflow server exited with " + process.exitValue() + "; see "
                            + dir.resolve("server.log") + ":\n" + tail());
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve("/health"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                sleep(300);
            }
            close();
            throw new IllegalStateException("mlflow server at " + uri + " not healthy after " + limit + ":\n" + tail());
        }

        private String tail() {
            try {
                List<String> lines = Files.readAllLines(dir.resolve("server.log"));
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(no log)";
            }
        }

        @Override
        public void close() {
            if (process == null) {
                return;
            }
            // uvicorn/gunicorn run worker children: stop them too, then the parent
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static Path venv() {
            String v = System.getenv("FORESIGHT_VENV");
            if (v != null && !v.isBlank()) {
                return Path.of(v);
            }
            Path d = Path.of("").toAbsolutePath();
            // tests run in the module directory; the venv lives at the repository root
            for (Path p = d; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve(".venv"))) {
                    return p.resolve(".venv");
                }
                if (Files.exists(p.resolve(".git"))) {
                    return p.resolve(".venv");
                }
            }
            return d.resolve(".venv");
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
