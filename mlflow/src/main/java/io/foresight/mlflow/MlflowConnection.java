package io.foresight.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import org.mlflow.tracking.MlflowClient;

/**
 * One MLflow tracking server: the Java client for tracking calls, its raw REST helpers for the
 * registry calls it lacks, and a plain HTTP client for the artifact proxy (so no Python is needed
 * on the client side). The server must run with {@code --serve-artifacts}.
 */
public final class MlflowConnection {
    /** Environment variable naming the tracking server, as MLflow itself uses it. */
    public static final String ENV_TRACKING_URI = "MLFLOW_TRACKING_URI";
    /** Basic-auth credentials for a server run with {@code --app-name basic-auth}, as MLflow's own clients read them. */
    public static final String ENV_USERNAME = "MLFLOW_TRACKING_USERNAME";
    public static final String ENV_PASSWORD = "MLFLOW_TRACKING_PASSWORD";

    private final URI baseUri;
    private final MlflowClient client;
    private final HttpClient http;
    private final Duration timeout;
    final ObjectMapper json = new ObjectMapper();

    private MlflowConnection(URI baseUri, Duration timeout, String username, String password) {
        this.baseUri = baseUri;
        this.timeout = timeout;
        if (username == null || username.isBlank()) {
            this.client = new MlflowClient(baseUri.toString());
            this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        } else {
            this.client = new MlflowClient(new org.mlflow.tracking.creds.BasicMlflowHostCreds(baseUri.toString(), username,
                    password == null ? "" : password));
            // the artifact proxy answers 401 with a Basic challenge; the authenticator answers it
            java.net.PasswordAuthentication auth = new java.net.PasswordAuthentication(username,
                    (password == null ? "" : password).toCharArray());
            this.http = HttpClient.newBuilder().connectTimeout(timeout).authenticator(new java.net.Authenticator() {
                @Override
                protected java.net.PasswordAuthentication getPasswordAuthentication() {
                    return auth;
                }
            }).build();
        }
    }

    /** @param trackingUri http(s) URI of the tracking server, e.g. http://127.0.0.1:5000 */
    public static MlflowConnection of(URI trackingUri) {
        return of(trackingUri, Duration.ofSeconds(30));
    }

    public static MlflowConnection of(URI trackingUri, Duration timeout) {
        return of(trackingUri, timeout, System.getenv(ENV_USERNAME), System.getenv(ENV_PASSWORD));
    }

    /** With basic-auth credentials (null username: none). */
    static MlflowConnection of(URI trackingUri, Duration timeout, String username, String password) {
        Objects.requireNonNull(trackingUri, "trackingUri");
        Objects.requireNonNull(timeout, "timeout");
        String scheme = trackingUri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("MLflow tracking URI must be http(s)://host:port, got '" + trackingUri
                    + "': start `mlflow server --serve-artifacts ...` and point " + ENV_TRACKING_URI + " at it");
        }
        String s = trackingUri.toString();
        return new MlflowConnection(URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s), timeout,
                username, password);
    }

    /** The server named by {@value #ENV_TRACKING_URI}. */
    public static MlflowConnection fromEnv() {
        String uri = System.getenv(ENV_TRACKING_URI);
        if (uri == null || uri.isBlank()) {
            throw new IllegalStateException(ENV_TRACKING_URI + " is not set: set it to the tracking server, e.g. http://127.0.0.1:5000");
        }
        return of(URI.create(uri.trim()));
    }

    public URI baseUri() {
        return baseUri;
    }

    MlflowClient client() {
        return client;
    }

    HttpClient http() {
        return http;
    }

    Duration timeout() {
        return timeout;
    }

    /** POST to a path relative to /api/2.0/mlflow/, e.g. "registered-models/create". */
    JsonNode post(String path, Object body) {
        try {
            return json.readTree(client.sendPost(path, json.writeValueAsString(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MlflowException("MLflow returned malformed JSON for " + path + ": " + e.getOriginalMessage(), e);
        }
    }

    /** GET a path (with query string) relative to /api/2.0/mlflow/. */
    JsonNode get(String pathAndQuery) {
        try {
            return json.readTree(client.sendGet(pathAndQuery));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MlflowException("MLflow returned malformed JSON for " + pathAndQuery + ": " + e.getOriginalMessage(), e);
        }
    }

    static String q(String v) {
        return java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "MLflow at " + baseUri;
    }
}
