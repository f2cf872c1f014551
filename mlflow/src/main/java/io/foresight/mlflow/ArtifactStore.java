package io.foresight.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Uploads and downloads artifacts through the tracking server's artifact proxy
 * ({@code mlflow server --serve-artifacts}): {@code PUT/GET /api/2.0/mlflow-artifacts/artifacts/<path>}
 * and {@code GET /api/2.0/mlflow-artifacts/artifacts?path=<dir>} to list. A run's artifact root is
 * {@code mlflow-artifacts:/<experiment_id>/<run_id>/artifacts}; everything after the scheme (and an
 * optional authority) is the proxy path. Plain java.net.http, so no Python on the client side.
 */
public final class ArtifactStore {
    private static final String PROXY = "/api/2.0/mlflow-artifacts/artifacts";
    private final MlflowConnection conn;

    public ArtifactStore(MlflowConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
    }

    /** Uploads one file to {@code <artifactRoot>/<artifactPath>}. */
    public void uploadFile(String artifactRoot, String artifactPath, Path file) {
        String proxyPath = join(proxyPath(artifactRoot), artifactPath);
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(proxyUri(proxyPath))
                    .timeout(conn.timeout())
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofFile(file))
                    .build();
        } catch (java.io.FileNotFoundException e) {
            throw new UncheckedIOException("artifact file " + file + " does not exist", e);
        }
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString(), "upload " + proxyPath);
        if (resp.statusCode() / 100 != 2) {
            throw new MlflowException("uploading " + file + " to " + proxyPath + " failed: HTTP " + resp.statusCode()
                    + " " + resp.body() + " (is the server started with --serve-artifacts?)");
        }
    }

    /** Uploads a directory tree (recursively) under {@code <artifactRoot>/<artifactPath>/}. Returns the file count. */
    public int uploadDirectory(String artifactRoot, String artifactPath, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("not a directory: " + dir);
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path f : files) {
            String rel = dir.relativize(f).toString().replace(java.io.File.separatorChar, '/');
            uploadFile(artifactRoot, join(artifactPath, rel), f);
        }
        return files.size();
    }

    /** One entry of a listing; {@code path} is relative to the listed directory. */
    public record Entry(String path, boolean directory, long size) {}

    /** Lists a directory under an artifact root (empty if it does not exist). */
    public List<Entry> list(String artifactUri) {
        String p = proxyPath(artifactUri);
        JsonNode body = getJson(URI.create(conn.baseUri() + PROXY + "?path=" + MlflowConnection.q(p)), "list " + p);
        List<Entry> out = new ArrayList<>();
        for (JsonNode f : body.path("files")) {
            out.add(new Entry(f.path("path").asText(), f.path("is_dir").asBoolean(false), f.path("file_size").asLong(0)));
        }
        return out;
    }

    /**
     * Downloads the file or directory tree at {@code artifactUri} (an {@code mlflow-artifacts:} URI, e.g. a
     * model version's source) into {@code target}, which must not exist yet. Returns the file count.
     */
    public int download(String artifactUri, Path target) {
        if (Files.exists(target)) {
            throw new IllegalArgumentException("download target already exists: " + target);
        }
        List<Entry> entries = list(artifactUri);
        try {
            if (entries.isEmpty()) {
                // a single file, or nothing at all (then the GET fails with 404)
                Files.createDirectories(target.getParent());
                fetchFile(proxyPath(artifactUri), target);
                return 1;
            }
            Files.createDirectories(target);
            int n = 0;
            for (Entry e : entries) {
                String child = join(artifactUri, e.path());
                Path local = target.resolve(e.path());
                if (e.directory()) {
                    n += download(child, local);
                } else {
                    fetchFile(proxyPath(child), local);
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    private void fetchFile(String proxyPath, Path local) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(proxyUri(proxyPath)).timeout(conn.timeout()).GET().build();
        Path tmp = local.resolveSibling(local.getFileName() + ".part");
        HttpResponse<Path> resp = send(req, HttpResponse.BodyHandlers.ofFile(tmp), "download " + proxyPath);
        if (resp.statusCode() / 100 != 2) {
            String why = Files.exists(tmp) ? Files.readString(tmp) : "";
            Files.deleteIfExists(tmp);
            throw new MlflowException("downloading artifact " + proxyPath + " failed: HTTP " + resp.statusCode() + " " + why);
        }
        Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING);
    }

    private JsonNode getJson(URI uri, String what) {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(conn.timeout()).GET().build();
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString(), what);
        if (resp.statusCode() / 100 != 2) {
            throw new MlflowException(what + " failed: HTTP " + resp.statusCode() + " " + resp.body());
        }
        try {
            return conn.json.readTree(resp.body());
        } catch (IOException e) {
            throw new MlflowException(what + " returned malformed JSON", e);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, String what) {
        try {
            return conn.http().send(req, handler);
        } catch (IOException e) {
            throw new MlflowException(what + " failed: cannot reach " + conn.baseUri() + " (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MlflowException(what + " interrupted", e);
        }
    }

    private URI proxyUri(String proxyPath) {
        StringBuilder sb = new StringBuilder(conn.baseUri().toString()).append(PROXY);
        for (String seg : proxyPath.split("/")) {
            if (!seg.isEmpty()) {
                sb.append('/').append(MlflowConnection.q(seg).replace("+", "%20"));
            }
        }
        return URI.create(sb.toString());
    }

    /** "mlflow-artifacts:/1/abc/artifacts/model" or "mlflow-artifacts://host:port/1/..." to "1/abc/artifacts/model". */
    static String proxyPath(String artifactUri) {
        Objects.requireNonNull(artifactUri, "artifactUri");
        String prefix = "mlflow-artifacts:";
        if (!artifactUri.startsWith(prefix)) {
            throw new IllegalArgumentException("artifact URI '" + artifactUri + "' is not served by the MLflow artifact proxy:"
                    + " start the server with --serve-artifacts (new experiments then get mlflow-artifacts:/ roots)");
        }
        String rest = artifactUri.substring(prefix.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        for (String seg : rest.split("/")) {
            if (seg.equals("..")) {
                throw new IllegalArgumentException("artifact URI must not contain '..': " + artifactUri);
            }
        }
        return rest;
    }

    static String join(String a, String b) {
        if (b == null || b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        return (a.endsWith("/") ? a : a + "/") + (b.startsWith("/") ? b.substring(1) : b);
    }
}
