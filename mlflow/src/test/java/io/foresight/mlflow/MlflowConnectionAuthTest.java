package io.foresight.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a server that, like MLflow's basic-auth app, answers 401 with a Basic challenge to calls without credentials. */
class MlflowConnectionAuthTest {
    static final String EXPECTED = "Basic " + Base64.getEncoder().encodeToString("worker:s3cret-pass".getBytes(StandardCharsets.UTF_8));
    HttpServer server;
    final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            seen.add(ex.getRequestURI().getPath() + " " + auth);
            byte[] body;
            if (!EXPECTED.equals(auth)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"mlflow\"");
                body = "You are not authenticated.".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(401, body.length);
            } else {
                body = (ex.getRequestURI().getPath().contains("mlflow-artifacts") ? "{\"files\":[]}"
                        : "{\"registered_model\":{\"name\":\"m\"}}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
            }
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void registryAndArtifactCallsCarryTheCredentials() {
        MlflowConnection c = MlflowConnection.of(uri(), Duration.ofSeconds(5), "worker", "s3cret-pass");
        assertEquals("m", c.get("registered-models/get?name=m").path("registered_model").path("name").asText());
        assertEquals(List.of(), new ArtifactStore(c).list("mlflow-artifacts:/1/run/artifacts"));
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("/api/2.0/mlflow/registered-models/get " + EXPECTED)), seen.toString());
        assertTrue(seen.stream().anyMatch(s -> s.contains("mlflow-artifacts") && s.endsWith(EXPECTED)), seen.toString());
    }

    @Test
    void withoutCredentialsTheServerRefuses() {
        MlflowConnection c = MlflowConnection.of(uri(), Duration.ofSeconds(5), null, null);
        assertThrows(RuntimeException.class, () -> c.get("registered-models/get?name=m"));
        assertThrows(MlflowException.class, () -> new ArtifactStore(c).list("mlflow-artifacts:/1/run/artifacts"));
    }
}
