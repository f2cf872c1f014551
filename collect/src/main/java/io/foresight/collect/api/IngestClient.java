package io.foresight.collect.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.collect.store.StoreException;
import io.foresight.collect.store.StoreView;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The ingestion store read through the ingestion API ({@code GET /v1/users}, {@code /v1/usage}, {@code /v1/events}):
 * how a control loop on any worker host reads the store a {@code foresight data serve} process holds. A server that
 * cannot be reached or refuses is a {@link StoreException} naming the cause and the fix.
 */
public final class IngestClient implements StoreView {
    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param base  the API's base URL, e.g. {@code http://127.0.0.1:8088}
     * @param token the bearer token the server was started with (FORESIGHT_INGEST_TOKEN)
     */
    public IngestClient(URI base, String token, Duration timeout) {
        this(base, token, timeout, null);
    }

    /**
     * @param tls the trust for an https API whose certificate the JVM's default trust store does not hold (e.g. the
     *            self-signed one deploy/gen-secrets.sh makes: {@link #trusting}), or null for the default
     */
    public IngestClient(URI base, String token, Duration timeout, javax.net.ssl.SSLContext tls) {
        Objects.requireNonNull(base, "base");
        if (base.getScheme() == null || !base.getScheme().startsWith("http") || base.getHost() == null) {
            throw new IllegalArgumentException("'" + base + "' is not an http(s) URL of the ingestion API. Fix: use e.g. http://127.0.0.1:8088");
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("no token for the ingestion API at " + base + ". Fix: set FORESIGHT_INGEST_TOKEN to the "
                    + "token 'foresight data serve' runs with");
        }
        this.base = underPrefix(base);
        this.token = token;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
        this.http = (tls == null ? b : b.sslContext(tls)).build();
    }

    /** Trust in the certificates of a keystore or truststore file (PKCS12 or JKS), e.g. the ingestion API's own keystore. */
    public static javax.net.ssl.SSLContext trusting(java.nio.file.Path store, String password) {
        try (var in = java.nio.file.Files.newInputStream(store)) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(in, password == null ? null : password.toCharArray());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the trust store " + store + " (" + e.getMessage() + "). Fix: point "
                    + "FORESIGHT_INGEST_TLS_TRUSTSTORE at the ingestion API's keystore or CA file, with its password in "
                    + "FORESIGHT_INGEST_TLS_TRUSTSTORE_PASSWORD");
        }
    }

    @Override
    public List<String> users() {
        List<String> out = new ArrayList<>();
        get(IngestServer.USERS, Map.of()).get("users").forEach(u -> out.add(u.asText()));
        return out;
    }

    @Override
    public UserSeries series(String user, long from, long to, int step) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("user", user);
        q.put("from", Long.toString(from));
        q.put("to", Long.toString(to));
        q.put("step", Integer.toString(step));
        JsonNode n = get(IngestServer.USAGE, q);
        JsonNode ts = n.get("timestamps");
        long[] t = new long[ts.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = ts.get(i).asLong();
        }
        double[][] use = new double[Resource.COUNT][];
        double[][] cap = new double[Resource.COUNT][];
        for (Resource r : Resource.values()) {
            String name = r.name().toLowerCase(Locale.ROOT);
            use[r.ordinal()] = column(n.get(name), t.length);
            cap[r.ordinal()] = column(n.get(name + "_capacity"), t.length);
        }
        return new UserSeries(user, n.get("step").asInt(), t, use, cap);
    }

    @Override
    public List<InteractionEvent> events(String user, long fromMillis, long toMillis) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("user", user);
        // the API's window is whole seconds: widen it, then keep exactly [fromMillis, toMillis)
        q.put("from", Long.toString(Math.floorDiv(fromMillis, 1000)));
        q.put("to", Long.toString(Math.floorDiv(toMillis + 999, 1000)));
        List<InteractionEvent> out = new ArrayList<>();
        for (JsonNode e : get(IngestServer.EVENTS, q).get("events")) {
            long ms = Math.round(e.get("timestamp").asDouble() * 1000);
            if (ms < fromMillis || ms >= toMillis) {
                continue;
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            e.get("attributes").fields().forEachRemaining(a -> attrs.put(a.getKey(), a.getValue().asText()));
            out.add(new InteractionEvent(InteractionEvent.Kind.parse(e.get("kind").asText()), e.get("user").asText(), ms, attrs));
        }
        return out;
    }

    /** The base as a directory: {@code https://h/ingest} and {@code https://h/ingest/} both resolve {@code v1/users} below {@code /ingest}. */
    static URI underPrefix(URI base) {
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        return path.endsWith("/") ? base : base.resolve(path.isEmpty() ? "/" : path.substring(path.lastIndexOf('/') + 1) + "/");
    }

    private static double[] column(JsonNode arr, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode x = arr.get(i);
            v[i] = x == null || x.isNull() ? Double.NaN : x.asDouble();
        }
        return v;
    }

    private JsonNode get(String path, Map<String, String> query) {
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        // relative to the base, so an API served under a path prefix (https://host/ingest) keeps it
        URI uri = base.resolve(path.substring(1) + q);
        HttpResponse<byte[]> r;
        try {
            r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (javax.net.ssl.SSLException e) {
            throw new StoreException("the ingestion API at " + base + " failed the TLS handshake (" + e.getMessage() + "). Fix: "
                    + "trust its certificate (FORESIGHT_INGEST_TLS_TRUSTSTORE) and address it by a name the certificate holds", e);
        } catch (IOException e) {
            throw new StoreException("the ingestion API at " + base + " cannot be reached (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "). Fix: start it with ./foresight data serve --store DIR,"
                    + " or correct the store: URL", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while reading " + uri, e);
        }
        JsonNode body;
        try {
            body = json.readTree(r.body());
        } catch (IOException e) {
            throw new StoreException("the ingestion API at " + base + " answered " + r.statusCode() + " with a body that is not JSON."
                    + " Fix: check that the store: URL points at 'foresight data serve'", e);
        }
        if (r.statusCode() == 401) {
            throw new StoreException("the ingestion API at " + base + " refused the token (401). Fix: set FORESIGHT_INGEST_TOKEN to the "
                    + "token the server runs with");
        }
        if (r.statusCode() != 200) {
            JsonNode err = body == null ? null : body.get("error");
            throw new StoreException("the ingestion API at " + base + " answered " + r.statusCode() + " to GET " + path + ": "
                    + (err == null ? r.statusCode() : err.asText()));
        }
        return body;
    }
}
