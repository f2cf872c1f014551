package io.foresight.collect.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foresight.collect.store.DuckDbStore;
import io.foresight.core.model.ExecutionRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the ingest JSON: documented records with fields removed or replaced by values of the wrong type
 * or range. The parser returns a record or a {@link RecordParser.Invalid} naming a field of the record and
 * saying why; the server answers every body with 200, 400 or 413 and a JSON body, and counts exactly.
 * Seeds are fixed so the suite is repeatable (a counterexample found once stays found); change one to explore.
 */
class RecordParserPropertiesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long NOW = 1_764_000_000L;
    static final String VALID_EXECUTION = "{\"job_id\":\"j-1\",\"program\":\"spark\",\"user\":\"alice\",\"group\":\"g\",\"queue\":\"q\","
            + "\"submit\":1763990000,\"start\":1763990100,\"end\":\"2025-11-24T14:00:00Z\",\"status\":\"failed\","
            + "\"resources\":{\"cpu\":8,\"memory\":31.5,\"network\":12,\"disk\":3},\"depends_on\":[\"j-0\"]}";
    static final String VALID_EVENT = "{\"kind\":\"api_call\",\"user\":\"alice\",\"timestamp\":1763990000.25,"
            + "\"attributes\":{\"endpoint\":\"/v1/x\",\"n\":3,\"ok\":true}}";
    static final List<String> VALUES = List.of("null", "\"\"", "\" \"", "\"abc\"", "\"a,b\"", "\"\\u0001\"", "-1", "0", "1",
            "0.5", "1e308", "-1e308", "1e400", "1700000000000", "946684799", "\"2025-11-24T14:00:00Z\"", "\"2025-13-40\"",
            "[]", "{}", "[1]", "[\"x\"]", "{\"cpu\":-1}", "{\"cpu\":1e308}", "{\"gpu\":1}", "{\"cpu\":\"x\"}", "true",
            "\"completed\"", "\"exploded\"", "\"ui_action\"", "{\"a\":{\"b\":1}}", "9223372036854775808",
            "\"" + "x".repeat(300) + "\"", "[[[[[[1]]]]]]");

    record Edit(int target, String replacement) {}

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<String> replacement = Arbitraries.oneOf(Arbitraries.of(VALUES), Arbitraries.just((String) null));
        return Combinators.combine(Arbitraries.integers().between(0, 200), replacement).as(Edit::new).list().ofMaxSize(3);
    }

    static JsonNode edited(String valid, List<Edit> edits) throws Exception {
        JsonNode root = JSON.readTree(valid);
        for (Edit e : edits) {
            List<Object[]> slots = new ArrayList<>();
            collect(root, slots);
            if (slots.isEmpty()) {
                break;
            }
            Object[] slot = slots.get(e.target() % slots.size());
            JsonNode v = e.replacement() == null ? null : JSON.readTree(e.replacement());
            if (slot[0] instanceof ObjectNode o) {
                if (v == null) {
                    o.remove((String) slot[1]);
                } else {
                    o.set((String) slot[1], v);
                }
            } else if (v == null) {
                ((ArrayNode) slot[0]).remove((Integer) slot[1]);
            } else {
                ((ArrayNode) slot[0]).set((Integer) slot[1], v);
            }
        }
        return root;
    }

    static void collect(JsonNode n, List<Object[]> out) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                out.add(new Object[] {o, f});
                collect(o.get(f), out);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Object[] {a, i});
                collect(a.get(i), out);
            }
        }
    }

    static void assertReason(RecordParser.Invalid e, String path) {
        assertTrue(e.field != null && e.field.startsWith(path), "field " + e.field);
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "no reason for " + e.field);
        net.jqwik.api.statistics.Statistics.collect("rejected");
    }

    @Property(tries = 500, seed = "20261131")
    void executionsParseOrNameTheFieldAndTheReason(@ForAll("edits") List<Edit> edits) throws Exception {
        JsonNode n = edited(VALID_EXECUTION, edits);
        try {
            ExecutionRecord r = new RecordParser(NOW).execution(n, "records[0]");
            assertTrue(r.endTime() >= r.startTime() && r.startTime() >= r.submitTime());
            assertTrue(r.resources().cpu() >= 0 && r.resources().cpu() <= PlausibleLimits.defaults().maxCpuCores());
            net.jqwik.api.statistics.Statistics.collect("parsed");
        } catch (RecordParser.Invalid e) {
            assertReason(e, "records[0]");
        }
        net.jqwik.api.statistics.Statistics.coverage(c -> {
            c.check("parsed").count(k -> k > 0);
            c.check("rejected").count(k -> k > 0);
        });
    }

    @Property(tries = 300, seed = "20261132")
    void eventsParseOrNameTheFieldAndTheReason(@ForAll("edits") List<Edit> edits) throws Exception {
        JsonNode n = edited(VALID_EVENT, edits);
        try {
            new RecordParser(NOW).event(n, "events[0]");
            net.jqwik.api.statistics.Statistics.collect("parsed");
        } catch (RecordParser.Invalid e) {
            assertReason(e, "events[0]");
        }
    }

    // ---- the whole server: every body gets an answer with a JSON body, and the counts add up ----

    static Path dir;
    static DuckDbStore store;
    static IngestServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOKEN = "fuzz-token-0123456789abcdef";

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("ingest-fuzz");
        store = DuckDbStore.open(DuckDbStore.Options.defaults(dir.resolve("s.duckdb")));
        server = IngestServer.start(IngestServer.Config.of(0, TOKEN), store);
    }

    @AfterContainer
    static void stop() {
        server.close();
        store.close();
    }

    @Provide
    Arbitrary<List<List<Edit>>> batches() {
        return edits().list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 60, seed = "20261133")
    void everyBatchIsAnsweredAndCountedExactly(@ForAll("batches") List<List<Edit>> batch,
                                               @ForAll("jobIds") List<String> ids) throws Exception {
        ArrayNode records = JSON.createArrayNode();
        for (int i = 0; i < batch.size(); i++) {
            JsonNode r = edited(VALID_EXECUTION, batch.get(i));
            if (r instanceof ObjectNode o && o.has("job_id") && o.get("job_id").isTextual()) {
                o.put("job_id", ids.get(i % ids.size())); // few ids: duplicates within a batch happen often
            }
            records.add(r);
        }
        String body = JSON.writeValueAsString(JSON.createObjectNode().set("records", records));
        HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/executions")).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(Set.of(200, 400, 413).contains(resp.statusCode()), resp.statusCode() + " " + resp.body());
        JsonNode answer = JSON.readTree(resp.body());
        if (resp.statusCode() == 200) {
            int accepted = answer.get("accepted").asInt();
            int quarantined = answer.get("quarantined").asInt();
            int duplicates = answer.get("duplicates").asInt();
            assertEquals(batch.size(), accepted + quarantined + duplicates, "every record is counted once: " + answer);
            assertEquals(quarantined, answer.get("errors").size());
            answer.get("errors").forEach(e -> assertFalse(e.get("reason").asText().isBlank()));
        } else {
            assertFalse(answer.get("error").asText().isBlank(), resp.body());
        }
    }

    @Provide
    Arbitrary<List<String>> jobIds() {
        return Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(3);
    }
}
