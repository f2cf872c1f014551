package io.foresight.collect.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngestClientTest {

    @Test
    void anApiBehindAPathPrefixKeepsThePrefix() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> asked = new ArrayList<>();
        server.createContext("/", ex -> {
            asked.add(ex.getRequestURI().getPath());
            byte[] body = (ex.getRequestURI().getPath().equals("/ingest/v1/users") ? "{\"users\":[\"alice\"]}" : "{\"error\":\"no\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/ingest/v1/users") ? 200 : 404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String root = "http://127.0.0.1:" + server.getAddress().getPort();
            for (String base : List.of(root + "/ingest", root + "/ingest/")) {
                assertEquals(List.of("alice"), new IngestClient(URI.create(base), "t", Duration.ofSeconds(5)).users(), base);
            }
            assertEquals(List.of("/ingest/v1/users", "/ingest/v1/users"), asked);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBareHostResolvesAtTheRoot() {
        assertEquals(URI.create("http://h:8088/v1/users"), IngestClient.underPrefix(URI.create("http://h:8088")).resolve("v1/users"));
        assertEquals(URI.create("http://h:8088/v1/users"), IngestClient.underPrefix(URI.create("http://h:8088/")).resolve("v1/users"));
    }
}
