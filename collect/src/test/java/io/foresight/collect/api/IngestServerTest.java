package io.foresight.collect.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.collect.store.DuckDbStore;
import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestServerTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    DuckDbStore store;
    IngestServer server;

    @BeforeEach
    void start() {
        store = DuckDbStore.open(DuckDbStore.Options.defaults(dir.resolve("s.duckdb")).retries(2, Duration.ofMillis(1)));
        server = IngestServer.start(new IngestServer.Config(new java.net.InetSocketAddress("127.0.0.1", 0), TOKEN,
                64 * 1024, 100, 2), store);
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    Reply post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    static Reply send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()), r);
    }

    static String example(String name) throws Exception {
        return Files.readString(Path.of("..", "docs", "examples", name));
    }

    @Test
    void documentedExamplesAreAcceptedAndDurablyStored() throws Exception {
        Reply r = post("/v1/executions", example("ingest-executions.json"));
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(2, r.body().get("accepted").asInt());
        assertEquals(0, r.body().get("quarantined").asInt());
        // acknowledged means committed: visible to a fresh reader right now
        List<ExecutionRecord> stored = store.executions("alice", 0, Long.MAX_VALUE);
        assertEquals(2, stored.size());
        assertEquals(List.of("job-1001"), stored.get(1).dependsOn());
        assertEquals(8.0, stored.get(0).resources().cpu());
        assertEquals(ExecutionRecord.Status.FAILED, stored.get(1).status());

        Reply e = post("/v1/events", example("ingest-events.json"));
        assertEquals(200, e.status(), e.raw().body());
        assertEquals(3, e.body().get("accepted").asInt());
        List<InteractionEvent> events = store.events(null, 0, Long.MAX_VALUE);
        assertEquals(3, events.size());
        // ISO strings and numeric seconds land on the same clock: 08:55:12.250 (api) before 08:55:12.500 (ui)
        assertEquals(InteractionEvent.Kind.API_CALL, events.get(0).kind());
        assertEquals(1_764_233_712_250L, events.get(0).timestampMillis());
        assertEquals(InteractionEvent.Kind.UI_ACTION, events.get(1).kind());
        assertEquals(1_764_233_712_500L, events.get(1).timestampMillis());
        assertEquals("8", events.get(2).attributes().get("new"));
    }

    @Test
    void missingOrWrongTokenIs401() throws Exception {
        Reply none = send(HttpRequest.newBuilder(uri("/v1/executions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(example("ingest-executions.json"))));
        assertEquals(401, none.status());
        assertEquals("Authorization", none.body().get("field").asText());
        assertTrue(none.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        Reply wrong = send(HttpRequest.newBuilder(uri("/v1/events")).header("Authorization", "Bearer " + TOKEN + "x")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(example("ingest-events.json"))));
        assertEquals(401, wrong.status());
        assertEquals(0L, store.counts().get("events"));
    }

    @Test
    void usageSamplesAreStoredAndReadBackThroughTheApi() throws Exception {
        Reply r = post("/v1/usage", example("ingest-usage.json"));
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(3, r.body().get("accepted").asInt());
        assertEquals(0, r.body().get("quarantined").asInt());
        // read back on the 5-minute grid: what a loop on another host reads (GET /v1/usage, IngestClient)
        IngestClient client = new IngestClient(uri(""), TOKEN, Duration.ofSeconds(10));
        assertEquals(List.of("alice", "bob"), client.users());
        io.foresight.core.trace.UserSeries alice = client.series("alice", 1_700_000_000L, 1_700_000_900L, 300);
        assertEquals(3, alice.size());
        assertEquals(1.5, alice.usage(io.foresight.core.model.Resource.CPU, 0), 1e-12);
        assertEquals(2.25, alice.usage(io.foresight.core.model.Resource.CPU, 1), 1e-12);
        assertTrue(Double.isNaN(alice.usage(io.foresight.core.model.Resource.CPU, 2)), "no sample: NaN, not zero");
        assertTrue(Double.isNaN(alice.usage(io.foresight.core.model.Resource.NETWORK, 1)), "a resource not sent is unknown");
        assertEquals(4.0, alice.capacityAt(0).cpu(), 1e-12);
        io.foresight.core.trace.UserSeries direct = store.series("alice", 1_700_000_000L, 1_700_000_900L, 300);
        for (io.foresight.core.model.Resource res : io.foresight.core.model.Resource.values()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(direct.usageColumn(res), alice.usageColumn(res), 0.0, res.name());
        }
        // resending a sample replaces it: an agent's retry does not double the usage
        assertEquals(200, post("/v1/usage", example("ingest-usage.json")).status());
        assertEquals(3L, store.counts().get("usage"));
    }

    @Test
    void invalidUsageSamplesAreQuarantinedWithTheField() throws Exception {
        Reply r = post("/v1/usage", """
                {"samples": [
                  {"user": "a", "timestamp": 1700000000, "usage": {"memory": 2}},
                  {"user": "a", "timestamp": 1700000000, "usage": {"cpu": -1}},
                  {"user": "a", "timestamp": 1700000000, "step": 0, "usage": {"cpu": 1}},
                  {"user": "a", "timestamp": 1700000000, "usage": {"cpu": 1}, "cpus": 2},
                  {"user": "a", "timestamp": 1700000300, "usage": {"cpu": 1}}
                ]}""");
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(1, r.body().get("accepted").asInt());
        assertEquals(4, r.body().get("quarantined").asInt());
        List<String> fields = new java.util.ArrayList<>();
        r.body().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertEquals(List.of("samples[0].usage.cpu", "samples[1].usage.cpu", "samples[2].step", "samples[3].cpus"), fields);
        assertEquals(4, store.quarantined("api/usage", 10).size());
    }

    @Test
    void readsNeedTheTokenAndAWellFormedWindow() throws Exception {
        assertEquals(401, send(HttpRequest.newBuilder(uri("/v1/users")).GET()).status());
        Reply noUser = send(HttpRequest.newBuilder(uri("/v1/usage?from=0&to=10&step=5")).header("Authorization", "Bearer " + TOKEN).GET());
        assertEquals(400, noUser.status());
        assertEquals("user", noUser.body().get("field").asText());
        Reply backwards = send(HttpRequest.newBuilder(uri("/v1/events?user=a&from=10&to=0")).header("Authorization", "Bearer " + TOKEN).GET());
        assertEquals(400, backwards.status());
        Reply huge = send(HttpRequest.newBuilder(uri("/v1/usage?user=a&from=0&to=100000000&step=1")).header("Authorization", "Bearer " + TOKEN).GET());
        assertEquals(400, huge.status());
        assertTrue(huge.body().get("error").asText().contains("in parts"), huge.raw().body());
        IngestClient wrong = new IngestClient(uri(""), TOKEN + "x", Duration.ofSeconds(10));
        io.foresight.collect.store.StoreException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.foresight.collect.store.StoreException.class, wrong::users);
        assertTrue(e.getMessage().contains("401") && e.getMessage().contains("Fix:"), e.getMessage());
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        Reply r = send(HttpRequest.newBuilder(uri("/v1/executions")).header("Authorization", "Bearer " + TOKEN).GET());
        assertEquals(405, r.status());
        assertEquals("POST", r.raw().headers().firstValue("Allow").orElseThrow());
        Reply h = send(HttpRequest.newBuilder(uri("/v1/health")).GET());
        assertEquals(200, h.status());
        assertEquals(404, send(HttpRequest.newBuilder(uri("/v2/x")).GET()).status());
    }

    @Test
    void tooLargeBodiesAndBatchesAre413() throws Exception {
        String big = "{\"events\":[" + "{\"kind\":\"api_call\",\"user\":\"u\",\"timestamp\":1700000000},".repeat(2000) + "]}";
        Reply r = post("/v1/events", big);
        assertEquals(413, r.status());
        assertTrue(r.body().get("error").asText().contains("exceeds the limit"));
        String many = "{\"events\":[" + String.join(",", java.util.Collections.nCopies(101,
                "{\"kind\":\"api_call\",\"user\":\"u\",\"timestamp\":1700000000}")) + "]}";
        Reply m = post("/v1/events", many);
        assertEquals(413, m.status());
        assertEquals("events", m.body().get("field").asText());
        assertEquals(0L, store.counts().get("events"));
    }

    @Test
    void chunkedBodiesWithoutContentLengthAreLimitedToo() throws Exception {
        byte[] big = ("{\"events\":[" + "{\"kind\":\"api_call\",\"user\":\"u\",\"timestamp\":1700000000},".repeat(2000) + "]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Reply r = send(HttpRequest.newBuilder(uri("/v1/events")).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
        assertEquals(413, r.status());
        assertEquals(0L, store.counts().get("events"));
    }

    @Test
    void malformedRequestsAre400NamingTheField() throws Exception {
        Reply syntax = post("/v1/executions", "{\"records\": [");
        assertEquals(400, syntax.status());
        assertEquals("$", syntax.body().get("field").asText());
        assertTrue(syntax.body().get("error").asText().startsWith("malformed JSON"));
        assertEquals("recs", post("/v1/executions", "{\"recs\": []}").body().get("field").asText());
        assertEquals("records", post("/v1/executions", "{\"source\": \"x\"}").body().get("field").asText());
        assertEquals("records", post("/v1/executions", "{\"records\": {}}").body().get("field").asText());
        assertEquals("records", post("/v1/executions", "{\"records\": []}").body().get("field").asText());
        assertEquals("$", post("/v1/executions", "[1,2]").body().get("field").asText());
        assertEquals("source", post("/v1/events", "{\"source\": 3, \"events\": [{}]}").body().get("field").asText());
        Reply ct = send(HttpRequest.newBuilder(uri("/v1/events")).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(415, ct.status());
    }

    static final String GOOD = "{\"job_id\":\"a\",\"program\":\"p\",\"user\":\"alice\",\"start\":1700000000,\"end\":1700000600,"
            + "\"resources\":{\"cpu\":1}}";

    @Test
    void invalidRecordsAreQuarantinedWithTheFieldAndTheRestStored() throws Exception {
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"job_id\":\"b\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000600,\"end\":1700000000,\"resources\":{\"cpu\":1}}", "records[1].end");
        bad.put("{\"job_id\":\"c\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000000,\"end\":1700000000001,\"resources\":{\"cpu\":1}}", "records[2].start");
        bad.put("{\"job_id\":\"d\",\"program\":\"p\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":1}}", "records[3].user");
        bad.put("{\"job_id\":\"e\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":-1}}", "records[4].resources.cpu");
        bad.put("{\"job_id\":\"f\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"gpu\":1}}", "records[5].resources.gpu");
        bad.put("{\"job_id\":\"g\",\"program\":\"p\",\"user\":\"bob\",\"start\":\"yesterday\",\"end\":1700000001,\"resources\":{\"cpu\":1}}", "records[6].start");
        bad.put("{\"job_id\":\"h\",\"program\":7,\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":1}}", "records[7].program");
        bad.put("{\"job_id\":\"i\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":1},\"stauts\":\"failed\"}", "records[8].stauts");
        bad.put("{\"job_id\":\"j\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":1},\"status\":\"exploded\"}", "records[9].status");
        bad.put("{\"job_id\":\"k\",\"program\":\"p\",\"user\":\"bob\",\"start\":1700000000,\"end\":1700000001,\"resources\":{\"cpu\":1},\"depends_on\":[1]}", "records[10].depends_on[0]");
        bad.put("\"not an object\"", "records[11]");
        String body = "{\"records\":[" + GOOD + "," + String.join(",", bad.keySet()) + "]}";
        Reply r = post("/v1/executions", body);
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(1, r.body().get("accepted").asInt());
        assertEquals(bad.size(), r.body().get("quarantined").asInt());
        List<String> fields = new java.util.ArrayList<>();
        r.body().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertEquals(List.copyOf(bad.values()), fields);
        assertEquals(1L, store.counts().get("executions"));
        var q = store.quarantined("api/executions", 100);
        assertEquals(bad.size(), q.size());
        assertTrue(q.get(0).reason().startsWith("records[1].end: is before start"), q.get(0).reason());
        assertEquals("bob", q.get(0).user());
        assertTrue(q.get(1).reason().contains("not milliseconds"), q.get(1).reason());
    }

    @Test
    void invalidEventsAreQuarantined() throws Exception {
        String body = "{\"events\":[{\"kind\":\"login\",\"user\":\"u\",\"timestamp\":1700000000},"
                + "{\"kind\":\"api_call\",\"user\":\"u\",\"timestamp\":1700000000,\"attributes\":{\"x\":{\"nested\":1}}},"
                + "{\"kind\":\"api_call\",\"user\":\" \",\"timestamp\":1700000000},"
                + "{\"kind\":\"api_call\",\"user\":\"u\"}]}";
        Reply r = post("/v1/events", body);
        assertEquals(200, r.status());
        assertEquals(0, r.body().get("accepted").asInt());
        List<String> fields = new java.util.ArrayList<>();
        r.body().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertEquals(List.of("events[0].kind", "events[1].attributes.x", "events[2].user", "events[3].timestamp"), fields);
        assertEquals(4L, store.counts().get("quarantine"));
    }

    @Test
    void allOrNothingRejectsTheWholeBatch() throws Exception {
        String body = "{\"records\":[" + GOOD + ",{\"job_id\":\"b\"}]}";
        Reply r = post("/v1/executions?all_or_nothing=true", body);
        assertEquals(400, r.status());
        assertEquals("records[1].program", r.body().get("field").asText());
        assertTrue(r.body().get("error").asText().contains("nothing was stored"));
        assertEquals(Map.of("usage", 0L, "executions", 0L, "events", 0L, "quarantine", 0L), store.counts());
    }

    @Test
    void aStoreThatCannotCommitIs503AndNotAcknowledged() throws Exception {
        store.close();
        Reply r = post("/v1/executions", "{\"records\":[" + GOOD + "]}");
        assertEquals(503, r.status());
        assertTrue(r.body().get("error").asText().contains("nothing was stored"), r.body().toString());
        assertEquals("5", r.raw().headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void configFromEnvironmentRequiresAToken() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> IngestServer.Config.fromEnv(Map.of()));
        assertTrue(e.getMessage().contains("FORESIGHT_INGEST_TOKEN"));
        IngestServer.Config c = IngestServer.Config.fromEnv(Map.of("FORESIGHT_INGEST_TOKEN", TOKEN, "FORESIGHT_INGEST_PORT", "0"));
        assertEquals(0, c.bind().getPort());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> IngestServer.Config.fromEnv(Map.of("FORESIGHT_INGEST_TOKEN", "short")));
    }

    // --- hardening: slow clients, bounded admission, depth bombs, implausible values, duplicates, TLS ---

    /** Opens a raw socket; {@code head} is sent at once (may be empty), nothing else unless the test trickles. */
    static java.net.Socket rawClient(int port, String head) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        if (!head.isEmpty()) {
            s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return s;
    }

    static String postHead(int contentLength) {
        return "POST /v1/executions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    @Test
    void aNormalClientIsAnsweredWhileSlowClientsHangOn() throws Exception {
        List<java.net.Socket> slow = new java.util.ArrayList<>();
        java.util.concurrent.ScheduledExecutorService trickle = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 4; i++) {
                slow.add(rawClient(server.port(), ""));                              // connects, sends nothing
                slow.add(rawClient(server.port(), "POST /v1/executions HTTP/1.1\r\nHost: x\r\n")); // half the headers
                slow.add(rawClient(server.port(), postHead(10_000) + "{\"records\":["));   // a body that never ends
            }
            List<java.net.Socket> tricklers = slow.subList(slow.size() - 3, slow.size());
            trickle.scheduleAtFixedRate(() -> tricklers.forEach(s -> {
                try {
                    s.getOutputStream().write(' ');
                    s.getOutputStream().flush();
                } catch (java.io.IOException ignored) {
                    // the server closed it: that is allowed
                }
            }), 100, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                Reply r = post("/v1/executions", "{\"records\":[" + GOOD.replace("\"a\"", "\"n" + round + "\"") + "]}");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(200, r.status(), r.raw().body());
                assertTrue(ms < 5_000, "answered in " + ms + " ms with " + slow.size() + " slow clients");
            }
            assertEquals(3L, store.counts().get("executions"));
        } finally {
            trickle.shutdownNow();
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndAFullServerIs503() throws Exception {
        server.close();
        server = IngestServer.start(new IngestServer.Config(new java.net.InetSocketAddress("127.0.0.1", 0), TOKEN,
                64 * 1024, 100, 1).withQueue(0, Duration.ofMillis(1500), Duration.ofSeconds(30)), store);
        try (java.net.Socket hog = rawClient(server.port(), postHead(5_000) + "{\"records\":[")) {
            // the hog is admitted and holds the only slot while its body does not arrive
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.inFlight() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, server.inFlight());
            Reply busy = post("/v1/executions", "{\"records\":[" + GOOD + "]}");
            assertEquals(503, busy.status(), busy.raw().body());
            assertTrue(busy.raw().headers().firstValue("Retry-After").isPresent());
            assertTrue(busy.body().get("error").asText().contains("nothing was stored"));
            hog.setSoTimeout(5_000);
            String answer = new String(hog.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 408", answer);
        }
        // the slot is free again
        assertEquals(200, post("/v1/executions", "{\"records\":[" + GOOD + "]}").status());
        assertEquals(1L, store.counts().get("executions"));
    }

    @Test
    void deeplyNestedJsonIs400WithAJsonBodyNotADroppedConnection() throws Exception {
        String bomb = "{\"records\":[" + "[".repeat(10_000) + "]".repeat(10_000) + "]}";
        Reply r = post("/v1/executions", bomb);
        assertEquals(400, r.status(), r.raw().body());
        assertTrue(r.body().get("error").asText().contains("nested deeper than"), r.body().toString());
        String objects = "{\"records\":[" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "]}";
        assertEquals(400, post("/v1/executions", objects).status());
        // the server is still fine
        assertEquals(200, post("/v1/executions", "{\"records\":[" + GOOD + "]}").status());
    }

    @Test
    void jettyLevelErrorsKeepTheJsonShape() throws Exception {
        try (java.net.Socket s = rawClient(server.port(), "POST /v1/executions HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(40_000) + "\r\n\r\n")) {
            s.setSoTimeout(5_000);
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(all.startsWith("HTTP/1.1 431"), all);
            assertTrue(all.contains("application/json") && all.contains("\"error\""), all);
        }
    }

    @Test
    void implausibleValuesAreQuarantinedWithTheReason() throws Exception {
        String cores = GOOD.replace("\"a\"", "\"huge\"").replace("{\"cpu\":1}", "{\"cpu\":1e308}");
        long now = java.time.Instant.now().getEpochSecond();
        String old = "{\"job_id\":\"long\",\"program\":\"p\",\"user\":\"bob\",\"start\":" + (now - 25L * 365 * 86_400)
                + ",\"end\":" + (now - 3600) + ",\"resources\":{\"cpu\":1}}";
        String memory = GOOD.replace("\"a\"", "\"mem\"").replace("{\"cpu\":1}", "{\"cpu\":1,\"memory\":1e9}");
        Reply r = post("/v1/executions", "{\"records\":[" + GOOD + "," + cores + "," + old + "," + memory + "]}");
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(1, r.body().get("accepted").asInt());
        assertEquals(3, r.body().get("quarantined").asInt());
        JsonNode errs = r.body().get("errors");
        assertEquals("records[1].resources.cpu", errs.get(0).get("field").asText());
        assertTrue(errs.get(0).get("reason").asText().contains("plausible maximum of 4096.0 cores"), errs.toString());
        assertTrue(errs.get(0).get("reason").asText().contains("FORESIGHT_INGEST_MAX_CPU"), errs.toString());
        assertEquals("records[2].end", errs.get(1).get("field").asText());
        assertTrue(errs.get(1).get("reason").asText().startsWith("the job ran 9125.0 days"), errs.toString());
        assertEquals("records[3].resources.memory", errs.get(2).get("field").asText());
        var q = store.quarantined("api/executions", 10);
        assertEquals(3, q.size());
        assertTrue(q.get(0).raw().contains("1e308") || q.get(0).raw().contains("1.0E308"), q.get(0).raw());
    }

    @Test
    void limitsComeFromConfiguration() throws Exception {
        server.close();
        server = IngestServer.start(new IngestServer.Config(new java.net.InetSocketAddress("127.0.0.1", 0), TOKEN,
                64 * 1024, 100, 2).withLimits(PlausibleLimits.fromEnv(Map.of("FORESIGHT_INGEST_MAX_CPU", "8",
                "FORESIGHT_INGEST_MAX_RUNTIME_DAYS", "0.5"))), store);
        String nine = GOOD.replace("{\"cpu\":1}", "{\"cpu\":9}");
        String day = GOOD.replace("\"a\"", "\"b\"").replace("1700000600", String.valueOf(1_700_000_000 + 86_400));
        Reply r = post("/v1/executions", "{\"records\":[" + nine + "," + day + "]}");
        assertEquals(0, r.body().get("accepted").asInt(), r.body().toString());
        assertEquals(2, r.body().get("quarantined").asInt());
        assertEquals(IllegalArgumentException.class, org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PlausibleLimits.fromEnv(Map.of("FORESIGHT_INGEST_MAX_CPU", "lots"))).getClass());
    }

    @Test
    void aDuplicateJobInOneBatchIsCountedOnceAsDuplicate() throws Exception {
        String other = GOOD.replace("\"a\"", "\"b\"");
        String conflicting = GOOD.replace("{\"cpu\":1}", "{\"cpu\":2}");
        Reply r = post("/v1/executions", "{\"records\":[" + GOOD + "," + other + "," + GOOD + "," + conflicting + "]}");
        assertEquals(200, r.status(), r.raw().body());
        assertEquals(2, r.body().get("accepted").asInt(), r.body().toString());
        assertEquals(1, r.body().get("duplicates").asInt());
        assertEquals(1, r.body().get("quarantined").asInt());
        assertEquals(2, r.body().get("duplicate_of").get(0).get("index").asInt());
        assertEquals(0, r.body().get("duplicate_of").get(0).get("first").asInt());
        assertEquals("records[3].job_id", r.body().get("errors").get(0).get("field").asText());
        assertEquals(2L, store.counts().get("executions"));
        assertEquals(1L, store.counts().get("quarantine"));
        assertEquals(1.0, store.executions("alice", 0, Long.MAX_VALUE).get(0).resources().cpu());
    }

    @Test
    void servesHttpsFromAKeystore() throws Exception {
        Path ks = dir.resolve("ingest.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "ingest", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit-test", "-keypass", "changeit-test")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        server.close();
        server = IngestServer.start(new IngestServer.Config(new java.net.InetSocketAddress("127.0.0.1", 0), TOKEN,
                64 * 1024, 100, 2).withTls(new IngestServer.Tls(ks, "changeit-test")), store);
        assertTrue(server.tls());
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            trust.load(in, "changeit-test".toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ctx).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port()
                        + "/v1/executions")).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString("{\"records\":[" + GOOD + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        // a loop reads the store over TLS trusting the API's own keystore; without that trust it is a one-line cause
        IngestClient reader = new IngestClient(URI.create("https://localhost:" + server.port()), TOKEN, Duration.ofSeconds(20),
                IngestClient.trusting(ks, "changeit-test"));
        assertEquals(List.of(), reader.users());
        io.foresight.collect.store.StoreException untrusted = org.junit.jupiter.api.Assertions.assertThrows(
                io.foresight.collect.store.StoreException.class,
                () -> new IngestClient(URI.create("https://localhost:" + server.port()), TOKEN, Duration.ofSeconds(20)).users());
        assertTrue(untrusted.getMessage().contains("TLS handshake") && untrusted.getMessage().contains("FORESIGHT_INGEST_TLS_TRUSTSTORE"),
                untrusted.getMessage());
        // plain HTTP on the TLS port gets no answer
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> HTTP.send(HttpRequest.newBuilder(
                uri("/v1/health")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> IngestServer.Config.fromEnv(Map.of("FORESIGHT_INGEST_TOKEN", TOKEN,
                        "FORESIGHT_INGEST_TLS_KEYSTORE", ks.toString())));
        assertTrue(e.getMessage().contains("FORESIGHT_INGEST_TLS_PASSWORD"));
        assertTrue(IngestServer.Config.fromEnv(Map.of("FORESIGHT_INGEST_TOKEN", TOKEN, "FORESIGHT_INGEST_TLS_KEYSTORE",
                ks.toString(), "FORESIGHT_INGEST_TLS_PASSWORD", "changeit-test")).tls().isPresent());
    }
}
