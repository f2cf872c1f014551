package io.foresight.collect.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foresight.collect.store.StoreWriteException;
import io.foresight.collect.store.TimeSeriesStore;
import io.foresight.collect.store.WriteBatch;
import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP + JSON ingestion of usage samples, program-execution records and user interaction events (see
 * docs/ingest-api.md), served by Jetty. Every request needs {@code Authorization: Bearer <token>}.
 * A batch is acknowledged only after the store committed it; records with invalid or implausible
 * fields are quarantined (kept with the reason) and counted, or, with {@code ?all_or_nothing=true},
 * make the whole request fail with 400.
 *
 * <p>Why it survives slow and hostile clients: Jetty's selector threads wait for bytes, so an idle or
 * trickling connection holds no request thread; a body must arrive whole within the read timeout
 * (else 408); at most {@code threads + queue} requests are admitted at once and the rest get 503 at
 * once instead of waiting; an unexpected failure answers 500 with a JSON body.
 */
public final class IngestServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);
    static final String EXECUTIONS = "/v1/executions";
    static final String EVENTS = "/v1/events";
    static final String USAGE = "/v1/usage";
    static final String USERS = "/v1/users";
    static final String HEALTH = "/v1/health";
    /** Most points one usage read returns: a client reads longer windows in parts. */
    static final int MAX_READ_POINTS = 100_000;

    /** What a POST carries: its path, the body's array field, and the quarantine's name for it. */
    private enum Kind {
        EXECUTIONS(IngestServer.EXECUTIONS, "records"), EVENTS(IngestServer.EVENTS, "events"), USAGE(IngestServer.USAGE, "samples");

        final String path;
        final String arrayField;

        Kind(String path, String arrayField) {
            this.path = path;
            this.arrayField = arrayField;
        }

        static Kind of(String path) {
            for (Kind k : values()) {
                if (k.path.equals(path)) {
                    return k;
                }
            }
            return null;
        }
    }
    /** A valid batch is 4 levels deep (body, records, record, resources); 32 leaves room and stops stack bombs. */
    static final int MAX_NESTING_DEPTH = 32;

    /** TLS from a Java keystore (PKCS12 or JKS). */
    public record Tls(Path keystore, String password) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", password=***]";
        }
    }

    /**
     * @param bind          address to listen on (port 0 = ephemeral)
     * @param token         the bearer token clients must send
     * @param maxBodyBytes  larger bodies get 413
     * @param maxRecords    larger batches get 413
     * @param threads       requests processed at once (parse + commit)
     * @param queue         admitted requests that may wait for a thread (or still be arriving); beyond, 503
     * @param readTimeout   the whole body must arrive within this time, else 408
     * @param idleTimeout   a connection with no bytes for this long is closed
     * @param tls           serve HTTPS with this keystore, or plain HTTP when empty
     * @param limits        plausible-value bounds; records above are quarantined
     */
    public record Config(InetSocketAddress bind, String token, int maxBodyBytes, int maxRecords, int threads, int queue,
                         Duration readTimeout, Duration idleTimeout, Optional<Tls> tls, PlausibleLimits limits) {
        public Config {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(limits, "limits");
            if (token.length() < 16) {
                throw new IllegalArgumentException("the ingest token must have at least 16 characters (set FORESIGHT_INGEST_TOKEN)");
            }
            if (maxBodyBytes < 1024 || maxRecords < 1 || threads < 1 || queue < 0) {
                throw new IllegalArgumentException("maxBodyBytes >= 1024, maxRecords >= 1, threads >= 1 and queue >= 0 required");
            }
            if (readTimeout.isNegative() || readTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("read and idle timeouts must be positive");
            }
            tls.ifPresent(t -> {
                if (!Files.isReadable(t.keystore())) {
                    throw new IllegalArgumentException("TLS keystore " + t.keystore() + " is not readable. Fix: point "
                            + "FORESIGHT_INGEST_TLS_KEYSTORE at a PKCS12 file (see docs/ingest-api.md) or unset it for plain HTTP");
                }
            });
        }

        /** Plain HTTP, default queue (64), read timeout (10 s), idle timeout (30 s) and plausible limits. */
        public Config(InetSocketAddress bind, String token, int maxBodyBytes, int maxRecords, int threads) {
            this(bind, token, maxBodyBytes, maxRecords, threads, 64, Duration.ofSeconds(10), Duration.ofSeconds(30),
                    Optional.empty(), PlausibleLimits.defaults());
        }

        /** 127.0.0.1:port, 1 MiB bodies, 5,000 records per batch, 4 threads. */
        public static Config of(int port, String token) {
            return new Config(new InetSocketAddress("127.0.0.1", port), token, 1 << 20, 5_000, 4);
        }

        public Config withQueue(int queue, Duration readTimeout, Duration idleTimeout) {
            return new Config(bind, token, maxBodyBytes, maxRecords, threads, queue, readTimeout, idleTimeout, tls, limits);
        }

        public Config withTls(Tls tls) {
            return new Config(bind, token, maxBodyBytes, maxRecords, threads, queue, readTimeout, idleTimeout,
                    Optional.of(tls), limits);
        }

        public Config withLimits(PlausibleLimits limits) {
            return new Config(bind, token, maxBodyBytes, maxRecords, threads, queue, readTimeout, idleTimeout, tls, limits);
        }

        /**
         * From the environment: FORESIGHT_INGEST_TOKEN (required), _HOST (127.0.0.1), _PORT (8088), _MAX_BODY
         * (1048576), _MAX_RECORDS (5000), _THREADS (4), _QUEUE (64), _READ_TIMEOUT_MS (10000), _IDLE_TIMEOUT_MS
         * (30000), _TLS_KEYSTORE + _TLS_PASSWORD (HTTPS when set), and the plausible maxima of {@link PlausibleLimits}.
         */
        public static Config fromEnv(Map<String, String> env) {
            String token = env.get("FORESIGHT_INGEST_TOKEN");
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("FORESIGHT_INGEST_TOKEN is not set. Fix: export a random token of"
                        + " at least 16 characters, e.g. FORESIGHT_INGEST_TOKEN=$(openssl rand -hex 24)");
            }
            Optional<Tls> tls = Optional.empty();
            String ks = env.get("FORESIGHT_INGEST_TLS_KEYSTORE");
            if (ks != null && !ks.isBlank()) {
                String pw = env.get("FORESIGHT_INGEST_TLS_PASSWORD");
                if (pw == null) {
                    throw new IllegalArgumentException("FORESIGHT_INGEST_TLS_KEYSTORE is set but FORESIGHT_INGEST_TLS_PASSWORD"
                            + " is not. Fix: set the keystore password (from a secret, not the command line)");
                }
                tls = Optional.of(new Tls(Path.of(ks.trim()), pw));
            }
            return new Config(new InetSocketAddress(env.getOrDefault("FORESIGHT_INGEST_HOST", "127.0.0.1"),
                    intEnv(env, "FORESIGHT_INGEST_PORT", 8088)), token,
                    intEnv(env, "FORESIGHT_INGEST_MAX_BODY", 1 << 20), intEnv(env, "FORESIGHT_INGEST_MAX_RECORDS", 5_000),
                    intEnv(env, "FORESIGHT_INGEST_THREADS", 4), intEnv(env, "FORESIGHT_INGEST_QUEUE", 64),
                    Duration.ofMillis(intEnv(env, "FORESIGHT_INGEST_READ_TIMEOUT_MS", 10_000)),
                    Duration.ofMillis(intEnv(env, "FORESIGHT_INGEST_IDLE_TIMEOUT_MS", 30_000)), tls,
                    PlausibleLimits.fromEnv(env));
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
    private final Server server;
    private final ServerConnector connector;
    private final ThreadPoolExecutor workers;
    /** Requests admitted and not yet answered: arriving bodies, queued and running ones. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ObjectMapper json;
    private final byte[] tokenBytes;
    private final Clock clock;

    private IngestServer(Config config, TimeSeriesStore store, Clock clock) {
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.tokenBytes = ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
        this.json = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.queue())), r -> {
                    Thread t = new Thread(r, "ingest-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });

        // Jetty's own threads only accept, select and hand over: request work runs on `workers`.
        QueuedThreadPool jettyThreads = new QueuedThreadPool(16, 4);
        jettyThreads.setName("ingest-jetty");
        jettyThreads.setDaemon(true);
        this.server = new Server(jettyThreads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        HttpConnectionFactory httpFactory = new HttpConnectionFactory(http);
        if (config.tls().isPresent()) {
            Tls tls = config.tls().get();
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tls.keystore().toAbsolutePath().toString());
            ssl.setKeyStorePassword(tls.password());
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // clients address the service by IP or any DNS name the operator chose; the certificate is theirs to match
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            this.connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), httpFactory);
        } else {
            this.connector = new ServerConnector(server, 1, 1, httpFactory);
        }
        connector.setHost(config.bind().getHostString());
        connector.setPort(config.bind().getPort());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        // Open connections cost no thread, but each costs a socket and buffers: cap them.
        server.addBean(new NetworkConnectionLimit(1024, connector));
        server.setErrorHandler(new JsonErrorHandler());
        server.setHandler(new IngestHandler());
        server.setStopTimeout(2_000);
    }

    /** Starts serving; the store must stay open while the server runs. */
    public static IngestServer start(Config config, TimeSeriesStore store) {
        return start(config, store, Clock.systemUTC());
    }

    static IngestServer start(Config config, TimeSeriesStore store, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(store, "store");
        IngestServer s = new IngestServer(config, store, clock);
        try {
            s.server.start();
        } catch (Exception e) {
            s.close();
            throw new IllegalStateException("cannot serve on " + config.bind() + ": " + e.getMessage()
                    + ". Fix: choose a free port (FORESIGHT_INGEST_PORT)"
                    + (config.tls().isPresent() ? " and check FORESIGHT_INGEST_TLS_KEYSTORE / _PASSWORD" : ""), e);
        }
        log.info("ingest API listening on {}://{}:{}", config.tls().isPresent() ? "https" : "http",
                config.bind().getHostString(), s.port());
        return s;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public boolean tls() {
        return config.tls().isPresent();
    }

    /** Requests admitted and not yet answered. */
    int inFlight() {
        return inFlight.get();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("ingest server did not stop cleanly: {}", e.toString());
        }
        workers.shutdownNow();
    }

    /** An answer that ends the request: status, JSON body and extra headers. */
    private record Answer(int status, JsonNode body, Map<String, String> headers) {
        Answer(int status, JsonNode body) {
            this(status, body, Map.of());
        }
    }

    private final class IngestHandler extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            try {
                route(request, response, callback);
            } catch (Throwable t) {
                internalError(response, callback, t);
            }
            return true;
        }
    }

    private void route(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals(HEALTH)) {
            if (!method.equals("GET")) {
                answer(response, callback, methodNotAllowed(method, "GET"));
            } else {
                answer(response, callback, new Answer(200, json.createObjectNode().put("status", "ok")));
            }
            return;
        }
        Kind kind = Kind.of(path);
        boolean readable = path.equals(USAGE) || path.equals(USERS) || path.equals(EVENTS);
        if (kind == null && !readable) {
            answer(response, callback, new Answer(404, error(null, "no such endpoint " + path + ": use POST "
                    + EXECUTIONS + ", " + EVENTS + " or " + USAGE + ", or GET " + USAGE + ", " + EVENTS + " or " + USERS)));
            return;
        }
        if (!authorized(request)) {
            answer(response, callback, new Answer(401, error("Authorization",
                    "missing or wrong bearer token: send 'Authorization: Bearer <token>'"),
                    Map.of("WWW-Authenticate", "Bearer realm=\"foresight-ingest\"")));
            return;
        }
        if (method.equals("GET") && readable) {
            String query = request.getHttpURI().getQuery();
            try {
                workers.execute(() -> {
                    Answer a;
                    try {
                        a = read(path, query);
                    } catch (Throwable t) {
                        internalError(response, callback, t);
                        return;
                    }
                    answer(response, callback, a);
                });
            } catch (RejectedExecutionException e) {
                answer(response, callback, busy());
            }
            return;
        }
        if (!method.equals("POST") || kind == null) {
            answer(response, callback, methodNotAllowed(method, kind == null ? "GET" : readable ? "GET, POST" : "POST"));
            return;
        }
        String ct = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            answer(response, callback, new Answer(415, error("Content-Type", "must be application/json (got " + ct + ")")));
            return;
        }
        long declared = request.getLength();
        if (declared > config.maxBodyBytes()) {
            answer(response, callback, tooLarge(declared));
            return;
        }
        // Admission: beyond threads + queue the answer is 503 now, not a wait of unknown length.
        if (inFlight.incrementAndGet() > config.threads() + config.queue()) {
            inFlight.decrementAndGet();
            answer(response, callback, busy());
            return;
        }
        boolean allOrNothing = "all_or_nothing=true".equals(request.getHttpURI().getQuery());
        // The slot is given back before the answer is written (a client that reads its answer and sends the next
        // request at once must find it free), and at the latest when the exchange ends, whatever the path.
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable release = () -> {
            if (held.compareAndSet(true, false)) {
                inFlight.decrementAndGet();
            }
        };
        Request.addCompletionListener(request, failure -> release.run());
        // The body is read without holding a thread; it must arrive whole within the read timeout.
        Content.Source.asByteArrayAsync(request, config.maxBodyBytes() + 1)
                .orTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((body, failure) -> {
                    if (failure != null) {
                        release.run();
                        answer(response, callback, bodyFailure(request, failure));
                        return;
                    }
                    if (body.length > config.maxBodyBytes()) {
                        release.run();
                        answer(response, callback, tooLarge(body.length));
                        return;
                    }
                    try {
                        workers.execute(() -> {
                            Answer a;
                            try {
                                a = ingest(body, kind, allOrNothing);
                            } catch (Throwable t) {
                                release.run();
                                internalError(response, callback, t);
                                return;
                            }
                            release.run();
                            answer(response, callback, a);
                        });
                    } catch (RejectedExecutionException e) {
                        release.run();
                        answer(response, callback, busy());
                    }
                });
    }

    private Answer bodyFailure(Request request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return new Answer(408, error(null, "the body did not arrive within " + config.readTimeout().toMillis()
                    + " ms (" + Request.getContentBytesRead(request) + " bytes read): send it at once"
                    + " (FORESIGHT_INGEST_READ_TIMEOUT_MS sets the limit)"), Map.of("Connection", "close"));
        }
        if (Request.getContentBytesRead(request) > config.maxBodyBytes()) {
            return tooLarge(Request.getContentBytesRead(request));
        }
        return new Answer(400, error(null, "the body could not be read: " + cause.getMessage()), Map.of("Connection", "close"));
    }

    private Answer tooLarge(long n) {
        return new Answer(413, error(null, "body of " + n + " bytes exceeds the limit of " + config.maxBodyBytes()
                + " bytes: split the batch"), Map.of("Connection", "close"));
    }

    private Answer busy() {
        return new Answer(503, error(null, "the server is busy (" + config.threads() + " requests running, "
                + config.queue() + " waiting): nothing was stored, retry after a few seconds"), Map.of("Retry-After", "2"));
    }

    private Answer methodNotAllowed(String method, String allow) {
        return new Answer(405, error(null, "method " + method + " not allowed: use " + allow), Map.of("Allow", allow));
    }

    private boolean authorized(Request request) {
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        // constant-time comparison: no token prefix leaks through timing
        return h != null && MessageDigest.isEqual(h.trim().getBytes(StandardCharsets.UTF_8), tokenBytes);
    }

    private void internalError(Response response, Callback callback, Throwable t) {
        log.error("ingest request failed", t);
        if (response.isCommitted()) {
            callback.failed(t);
            return;
        }
        answer(response, callback, new Answer(500, error(null, "internal error (" + t.getClass().getSimpleName()
                + "): nothing was acknowledged; retry, and report it if it repeats")));
    }

    private void answer(Response response, Callback callback, Answer a) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(a.body());
        } catch (JsonProcessingException e) {
            bytes = "{\"error\":\"internal error\",\"field\":null}".getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(a.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        a.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    private Answer ingest(byte[] body, Kind kind, boolean allOrNothing) {
        try {
            return new Answer(200, accept(body, kind, allOrNothing));
        } catch (RequestException e) {
            return new Answer(e.status, error(e.field, e.getMessage()),
                    e.status == 503 ? Map.of("Retry-After", "5") : Map.of());
        }
    }

    private JsonNode readBody(byte[] body) throws RequestException {
        try {
            return json.readTree(body);
        } catch (StreamConstraintsException e) {
            throw new RequestException(400, "$", "JSON nested deeper than " + MAX_NESTING_DEPTH
                    + " levels: a batch is 4 levels deep, send records as documented");
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new RequestException(400, "$", "malformed JSON: " + e.getOriginalMessage()
                    + (l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr()));
        } catch (IOException e) {
            throw new RequestException(400, "$", "the body could not be read as JSON: " + e.getMessage());
        }
    }

    private ObjectNode accept(byte[] body, Kind kind, boolean allOrNothing) throws RequestException {
        JsonNode root = readBody(body);
        String arrayField = kind.arrayField;
        boolean executions = kind == Kind.EXECUTIONS;
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
        RecordParser parser = new RecordParser(clock.instant().getEpochSecond(), config.limits());
        List<ExecutionRecord> recs = new ArrayList<>();
        List<InteractionEvent> events = new ArrayList<>();
        List<UserSeries> usage = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        List<QuarantinedRecord> quarantine = new ArrayList<>();
        // job id -> (index of its first occurrence, that record): a repeat in one batch is stored once
        Map<String, Integer> firstIndex = new HashMap<>();
        Map<String, ExecutionRecord> firstRecord = new HashMap<>();
        List<int[]> duplicates = new ArrayList<>();
        String quarantineSource = source + "/" + kind.name().toLowerCase(Locale.ROOT);
        for (int i = 0; i < arr.size(); i++) {
            JsonNode n = arr.get(i);
            String p = arrayField + "[" + i + "]";
            try {
                if (executions) {
                    ExecutionRecord r = parser.execution(n, p);
                    Integer first = firstIndex.putIfAbsent(r.jobId(), i);
                    if (first == null) {
                        firstRecord.put(r.jobId(), r);
                        recs.add(r);
                    } else if (firstRecord.get(r.jobId()).equals(r)) {
                        duplicates.add(new int[] {i, first});
                    } else {
                        // same id, other values: which one is true is unknown, so the later one is kept aside, not lost
                        throw new RecordParser.Invalid(p + ".job_id", "job '" + r.jobId() + "' already appears at "
                                + arrayField + "[" + first + "] of this batch with other values: send one record per job");
                    }
                } else if (kind == Kind.EVENTS) {
                    events.add(parser.event(n, p));
                } else {
                    usage.add(parser.usage(n, p));
                }
            } catch (RecordParser.Invalid e) {
                FieldError fe = new FieldError(i, e.field, e.getMessage());
                errors.add(fe);
                JsonNode u = n.get("user");
                quarantine.add(new QuarantinedRecord(quarantineSource, i,
                        u != null && u.isTextual() ? u.asText() : null, fe.message(), n.toString()));
            }
        }
        if (allOrNothing && !errors.isEmpty()) {
            FieldError first = errors.get(0);
            throw new RequestException(400, first.field(), first.reason() + (errors.size() > 1
                    ? " (and " + (errors.size() - 1) + " more invalid records; nothing was stored)" : " (nothing was stored)"));
        }
        WriteBatch batch = WriteBatch.builder(source).executions(recs).events(events).usage(usage)
                .quarantine(quarantine).build();
        try {
            store.write(batch);
        } catch (StoreWriteException e) {
            throw new RequestException(503, null, "the store could not commit the batch, nothing was stored: "
                    + e.getMessage() + " Retry later");
        }
        ObjectNode out = json.createObjectNode();
        out.put("accepted", executions ? recs.size() : kind == Kind.EVENTS ? events.size() : usage.size());
        out.put("quarantined", quarantine.size());
        out.put("duplicates", duplicates.size());
        ArrayNode errs = out.putArray("errors");
        for (FieldError fe : errors) {
            errs.addObject().put("index", fe.index()).put("field", fe.field()).put("reason", fe.reason());
        }
        if (!duplicates.isEmpty()) {
            ArrayNode dups = out.putArray("duplicate_of");
            for (int[] d : duplicates) {
                dups.addObject().put("index", d[0]).put("first", d[1]);
            }
        }
        return out;
    }

    /**
     * The read side, for a control loop on another host ({@code store:} pool sources): the users with usage, one
     * user's usage averaged on a grid, and one user's interaction events. Windows are [from, to) in Unix seconds.
     */
    private Answer read(String path, String query) {
        Map<String, String> q = new HashMap<>();
        if (query != null) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        ObjectNode out = json.createObjectNode();
        if (path.equals(USERS)) {
            ArrayNode users = out.putArray("users");
            store.users().forEach(users::add);
            return new Answer(200, out);
        }
        String user = q.get("user");
        if (user == null || user.isBlank()) {
            return new Answer(400, error("user", "is required: GET " + path + "?user=U&from=S&to=S"
                    + (path.equals(USAGE) ? "&step=S" : "") + " (Unix seconds)"));
        }
        long from;
        long to;
        int step = 0;
        try {
            from = Long.parseLong(q.getOrDefault("from", ""));
            to = Long.parseLong(q.getOrDefault("to", ""));
            if (path.equals(USAGE)) {
                step = Integer.parseInt(q.getOrDefault("step", ""));
            }
        } catch (NumberFormatException e) {
            return new Answer(400, error(null, "from and to (and step for usage) must be whole Unix seconds: GET " + path
                    + "?user=U&from=S&to=S" + (path.equals(USAGE) ? "&step=S" : "")));
        }
        if (to < from) {
            return new Answer(400, error("to", "is before from (" + to + " < " + from + ")"));
        }
        out.put("user", user);
        if (path.equals(EVENTS)) {
            ArrayNode arr = out.putArray("events");
            for (InteractionEvent e : store.events(user, from * 1000, to * 1000)) {
                ObjectNode o = arr.addObject().put("kind", e.kind().wireName()).put("user", e.user())
                        .put("timestamp", e.timestampMillis() / 1000.0);
                ObjectNode attrs = o.putObject("attributes");
                e.attributes().forEach(attrs::put);
            }
            return new Answer(200, out);
        }
        if (step <= 0) {
            return new Answer(400, error("step", "must be positive seconds"));
        }
        if ((to - from) / step > MAX_READ_POINTS) {
            return new Answer(400, error("to", "the window has more than " + MAX_READ_POINTS + " steps: read it in parts"));
        }
        UserSeries s = store.series(user, from, to, step);
        out.put("step", s.stepSeconds());
        ArrayNode ts = out.putArray("timestamps");
        for (int i = 0; i < s.size(); i++) {
            ts.add(s.timestamp(i));
        }
        for (Resource r : Resource.values()) {
            ArrayNode use = out.putArray(r.name().toLowerCase(Locale.ROOT));
            ArrayNode cap = out.putArray(r.name().toLowerCase(Locale.ROOT) + "_capacity");
            double[] u = s.usageColumn(r);
            double[] c = s.capacityColumn(r);
            for (int i = 0; i < s.size(); i++) {
                if (Double.isNaN(u[i])) {
                    use.addNull();
                } else {
                    use.add(u[i]);
                }
                if (Double.isNaN(c[i])) {
                    cap.addNull();
                } else {
                    cap.add(c[i]);
                }
            }
        }
        return new Answer(200, out);
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

    /** Errors Jetty answers itself (bad request line, headers too large, ...) keep the API's JSON shape. */
    private final class JsonErrorHandler extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                         Callback callback) {
            String text = message != null && !message.isBlank() ? message
                    : org.eclipse.jetty.http.HttpStatus.getMessage(code);
            answer(response, callback, new Answer(code, error(null, code >= 500
                    ? "internal error: nothing was acknowledged; retry" : "bad request: " + text)));
        }
    }
}
