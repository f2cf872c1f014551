package io.foresight.collect.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.foresight.collect.store.StoreWriteException;
import io.foresight.collect.store.TimeSeriesStore;
import io.foresight.collect.store.WriteBatch;
import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP + JSON ingestion of program-execution records and user interaction events (see
 * docs/ingest-api.md). Every request needs {@code Authorization: Bearer <token>}. A batch is
 * acknowledged only after the store committed it; records with invalid fields are quarantined
 * (kept with the reason) and counted, or, with {@code ?all_or_nothing=true}, make the whole
 * request fail with 400.
 */
public final class IngestServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);
    static final String EXECUTIONS = "/v1/executions";
    static final String EVENTS = "/v1/events";
    static final String HEALTH = "/v1/health";

    /**
     * @param bind          address to listen on (port 0 = ephemeral)
     * @param token         the bearer token clients must send
     * @param maxBodyBytes  larger bodies get 413
     * @param maxRecords    larger batches get 413
     * @param threads       request threads
     */
    public record Config(InetSocketAddress bind, String token, int maxBodyBytes, int maxRecords, int threads) {
        public Config {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(token, "token");
            if (token.length() < 16) {
                throw new IllegalArgumentException("the ingest token must have at least 16 characters (set FORESIGHT_INGEST_TOKEN)");
            }
            if (maxBodyBytes < 1024 || maxRecords < 1 || threads < 1) {
                throw new IllegalArgumentException("maxBodyBytes >= 1024, maxRecords >= 1 and threads >= 1 required");
            }
        }

        /** 127.0.0.1:port, 1 MiB bodies, 5,000 records per batch, 4 threads. */
        public static Config of(int port, String token) {
            return new Config(new InetSocketAddress("127.0.0.1", port), token, 1 << 20, 5_000, 4);
        }

        /**
         * From the environment: FORESIGHT_INGEST_TOKEN (required), FORESIGHT_INGEST_HOST (127.0.0.1),
         * FORESIGHT_INGEST_PORT (8088), FORESIGHT_INGEST_MAX_BODY (1048576), FORESIGHT_INGEST_MAX_RECORDS (5000).
         */
        public static Config fromEnv(Map<String, String> env) {
            String token = env.get("FORESIGHT_INGEST_TOKEN");
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("FORESIGHT_INGEST_TOKEN is not set. Fix: export a random token of"
                        + " at least 16 characters, e.g. FORESIGHT_INGEST_TOKEN=$(openssl rand -hex 24)");
            }
            return new Config(new InetSocketAddress(env.getOrDefault("FORESIGHT_INGEST_HOST", "127.0.0.1"),
                    intEnv(env, "FORESIGHT_INGEST_PORT", 8088)), token,
                    intEnv(env, "FORESIGHT_INGEST_MAX_BODY", 1 << 20), intEnv(env, "FORESIGHT_INGEST_MAX_RECORDS", 5_000), 4);
        }

        private static int intEnv(Map<String, String> env, String key, int def) {
            String v = env.get(key);
            if (v == null || v.isBlank()) {
                return def;
            }
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + "='" + v + "' is not an integer");
            }
        }
    }

    private final Config config;
    private final TimeSeriesStore store;
    private final HttpServer server;
    private final ExecutorService pool;
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final byte[] tokenBytes;
    private final Clock clock;

    private IngestServer(Config config, TimeSeriesStore store, Clock clock) throws IOException {
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.tokenBytes = ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(config.bind(), 64);
        this.pool = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "ingest-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    /** Starts serving; the store must stay open while the server runs. */
    public static IngestServer start(Config config, TimeSeriesStore store) {
        return start(config, store, Clock.systemUTC());
    }

    static IngestServer start(Config config, TimeSeriesStore store, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(store, "store");
        try {
            IngestServer s = new IngestServer(config, store, clock);
            s.server.start();
            log.info("ingest API listening on {}", s.server.getAddress());
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + config.bind() + ": " + e.getMessage()
                    + ". Fix: choose a free port (FORESIGHT_INGEST_PORT)", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals(HEALTH)) {
                if (!method.equals("GET")) {
                    methodNotAllowed(ex, "GET");
                    return;
                }
                send(ex, 200, json.createObjectNode().put("status", "ok"));
                return;
            }
            boolean executions = path.equals(EXECUTIONS);
            if (!executions && !path.equals(EVENTS)) {
                send(ex, 404, error(null, "no such endpoint " + path + ": use POST " + EXECUTIONS + " or POST " + EVENTS));
                return;
            }
            if (!authorized(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"foresight-ingest\"");
                send(ex, 401, error("Authorization", "missing or wrong bearer token: send 'Authorization: Bearer <token>'"));
                return;
            }
            if (!method.equals("POST")) {
                methodNotAllowed(ex, "POST");
                return;
            }
            try {
                ObjectNode response = ingest(ex, executions);
                send(ex, 200, response);
            } catch (RequestException e) {
                if (e.status == 503) {
                    ex.getResponseHeaders().set("Retry-After", "5");
                }
                send(ex, e.status, error(e.field, e.getMessage()));
            }
        } catch (RuntimeException e) {
            log.error("ingest request failed", e);
            try {
                send(ex, 500, error(null, "internal error: " + e.getMessage()));
            } catch (IOException | RuntimeException ignored) {
                // the client went away; nothing was acknowledged
            }
        }
    }

    private boolean authorized(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        // constant-time comparison: no token prefix leaks through timing
        return h != null && MessageDigest.isEqual(h.trim().getBytes(StandardCharsets.UTF_8), tokenBytes);
    }

    private void methodNotAllowed(HttpExchange ex, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        send(ex, 405, error(null, "method " + ex.getRequestMethod() + " not allowed: use " + allow));
    }

    private ObjectNode ingest(HttpExchange ex, boolean executions) throws IOException, RequestException {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new RequestException(415, "Content-Type", "must be application/json (got " + ct + ")");
        }
        byte[] body = readBody(ex);
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new RequestException(400, "$", "malformed JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        }
        String arrayField = executions ? "records" : "events";
        if (root == null || !root.isObject()) {
            throw new RequestException(400, "$", "the body must be a JSON object like {\"" + arrayField + "\": [...]}");
        }
        var names = root.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!n.equals(arrayField) && !n.equals("source")) {
                throw new RequestException(400, n, "unknown field: the body has only '" + arrayField + "' and optional 'source'");
            }
        }
        JsonNode arr = root.get(arrayField);
        if (arr == null || !arr.isArray()) {
            throw new RequestException(400, arrayField, "is required and must be an array");
        }
        if (arr.isEmpty()) {
            throw new RequestException(400, arrayField, "is empty: send at least one record");
        }
        if (arr.size() > config.maxRecords()) {
            throw new RequestException(413, arrayField, "has " + arr.size() + " records, at most " + config.maxRecords()
                    + " per request: split the batch");
        }
        String source = "api";
        JsonNode s = root.get("source");
        if (s != null) {
            if (!s.isTextual() || s.asText().isBlank() || s.asText().length() > 64) {
                throw new RequestException(400, "source", "must be a non-blank string of at most 64 characters");
            }
            source = "api:" + s.asText();
        }
        boolean allOrNothing = "all_or_nothing=true".equals(ex.getRequestURI().getQuery());
        RecordParser parser = new RecordParser(clock.instant().getEpochSecond());
        List<ExecutionRecord> recs = new ArrayList<>();
        List<InteractionEvent> events = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        List<QuarantinedRecord> quarantine = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode n = arr.get(i);
            String p = arrayField + "[" + i + "]";
            try {
                if (executions) {
                    recs.add(parser.execution(n, p));
                } else {
                    events.add(parser.event(n, p));
                }
            } catch (RecordParser.Invalid e) {
                FieldError fe = new FieldError(i, e.field, e.getMessage());
                errors.add(fe);
                JsonNode u = n.get("user");
                quarantine.add(new QuarantinedRecord(source + (executions ? "/executions" : "/events"), i,
                        u != null && u.isTextual() ? u.asText() : null, fe.message(), n.toString()));
            }
        }
        if (allOrNothing && !errors.isEmpty()) {
            FieldError first = errors.get(0);
            throw new RequestException(400, first.field(), first.reason() + (errors.size() > 1
                    ? " (and " + (errors.size() - 1) + " more invalid records; nothing was stored)" : " (nothing was stored)"));
        }
        WriteBatch batch = WriteBatch.builder(source).executions(recs).events(events).quarantine(quarantine).build();
        try {
            store.write(batch);
        } catch (StoreWriteException e) {
            throw new RequestException(503, null, "the store could not commit the batch, nothing was stored: "
                    + e.getMessage() + " Retry later");
        }
        ObjectNode out = json.createObjectNode();
        out.put("accepted", executions ? recs.size() : events.size());
        out.put("quarantined", quarantine.size());
        ArrayNode errs = out.putArray("errors");
        for (FieldError fe : errors) {
            errs.addObject().put("index", fe.index()).put("field", fe.field()).put("reason", fe.reason());
        }
        return out;
    }

    private byte[] readBody(HttpExchange ex) throws IOException, RequestException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            long n;
            try {
                n = Long.parseLong(len.trim());
            } catch (NumberFormatException e) {
                throw new RequestException(400, "Content-Length", "is not a number");
            }
            if (n > config.maxBodyBytes()) {
                throw new RequestException(413, null, "body of " + n + " bytes exceeds the limit of "
                        + config.maxBodyBytes() + " bytes: split the batch");
            }
        }
        // also enforce the limit while reading (chunked bodies have no Content-Length)
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try (InputStream in = ex.getRequestBody()) {
            int r;
            while ((r = in.read(b)) > 0) {
                buf.write(b, 0, r);
                if (buf.size() > config.maxBodyBytes()) {
                    throw new RequestException(413, null, "body exceeds the limit of " + config.maxBodyBytes()
                            + " bytes: split the batch");
                }
            }
        }
        return buf.toByteArray();
    }

    private ObjectNode error(String field, String message) {
        ObjectNode n = json.createObjectNode();
        n.put("error", message);
        if (field != null) {
            n.put("field", field);
        } else {
            n.putNull("field");
        }
        return n;
    }

    private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(bytes);
        }
    }
}
