package io.foresight.collect.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Per-user usage from a live Prometheus via PromQL range queries ({@code /api/v1/query_range}).
 * One query per resource, each aggregated by the label that identifies a user (namespace, a pod
 * label, ...); {@code {{label}}} in a query stands for that label. Queries must return values in
 * {@link Resource} units (cores, GiB, MB/s). Long windows are split into chunks so that no query
 * returns more than {@link Config#maxPointsPerSeries()} points per series (Prometheus refuses
 * more than 11,000).
 *
 * <p>Validation: series without the user label, negative and infinite values are quarantined
 * with their reason; NaN (e.g. a rate over a counter reset) means "not observed".
 */
public final class PrometheusSource {
    /** Prometheus's hard limit of points per series in one range query. */
    public static final int PROMETHEUS_MAX_POINTS = 11_000;

    /**
     * @param baseUrl             e.g. http://prometheus:9090
     * @param userLabel           label that identifies a user, e.g. "namespace"
     * @param queries             PromQL per resource ({{label}} = userLabel); resources without one stay NaN
     * @param timeout             per HTTP request
     * @param maxPointsPerSeries  chunk size in points, at most {@link #PROMETHEUS_MAX_POINTS}
     */
    public record Config(URI baseUrl, String userLabel, Map<Resource, String> queries, Duration timeout, int maxPointsPerSeries) {
        public Config {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(userLabel, "userLabel");
            if (!userLabel.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                throw new IllegalArgumentException("userLabel '" + userLabel + "' is not a Prometheus label name");
            }
            queries = Map.copyOf(new EnumMap<>(Objects.requireNonNull(queries, "queries")));
            if (queries.isEmpty()) {
                throw new IllegalArgumentException("at least one query is needed (e.g. for cpu)");
            }
            Objects.requireNonNull(timeout, "timeout");
            if (maxPointsPerSeries < 2 || maxPointsPerSeries > PROMETHEUS_MAX_POINTS) {
                throw new IllegalArgumentException("maxPointsPerSeries must be in 2.." + PROMETHEUS_MAX_POINTS + ", got " + maxPointsPerSeries);
            }
        }

        /** Kubernetes/cAdvisor metrics aggregated by {@code userLabel} (e.g. "namespace"). */
        public static Config kubernetes(URI baseUrl, String userLabel) {
            Map<Resource, String> q = new EnumMap<>(Resource.class);
            q.put(Resource.CPU, "sum by ({{label}}) (rate(container_cpu_usage_seconds_total{container!=\"\"}[5m]))");
            q.put(Resource.MEMORY, "sum by ({{label}}) (container_memory_working_set_bytes{container!=\"\"}) / 1073741824");
            q.put(Resource.NETWORK, "sum by ({{label}}) (rate(container_network_receive_bytes_total[5m])"
                    + " + rate(container_network_transmit_bytes_total[5m])) / 1048576");
            q.put(Resource.DISK, "sum by ({{label}}) (rate(container_fs_reads_bytes_total[5m])"
                    + " + rate(container_fs_writes_bytes_total[5m])) / 1048576");
            return new Config(baseUrl, userLabel, q, Duration.ofSeconds(30), PROMETHEUS_MAX_POINTS);
        }

        /**
         * From a properties file: {@code prometheus.url} (required), {@code prometheus.user-label}
         * (namespace), {@code prometheus.query.cpu|memory|network|disk} (override the Kubernetes
         * defaults), {@code prometheus.timeout-seconds} (30), {@code prometheus.max-points} (11000).
         */
        public static Config load(Path file) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read Prometheus config " + file + ": " + e.getMessage(), e);
            }
            String url = p.getProperty("prometheus.url");
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException(file + " has no prometheus.url. Fix: add e.g. prometheus.url=http://127.0.0.1:9090");
            }
            Config d = kubernetes(URI.create(url.trim()), p.getProperty("prometheus.user-label", "namespace").trim());
            Map<Resource, String> q = new EnumMap<>(d.queries());
            for (Resource r : Resource.values()) {
                String v = p.getProperty("prometheus.query." + r.name().toLowerCase(java.util.Locale.ROOT));
                if (v != null) {
                    if (v.isBlank()) {
                        q.remove(r);
                    } else {
                        q.put(r, v.trim());
                    }
                }
            }
            return new Config(d.baseUrl(), d.userLabel(), q,
                    Duration.ofSeconds(Long.parseLong(p.getProperty("prometheus.timeout-seconds", "30").trim())),
                    Integer.parseInt(p.getProperty("prometheus.max-points", String.valueOf(PROMETHEUS_MAX_POINTS)).trim()));
        }

        String query(Resource r) {
            String q = queries.get(r);
            return q == null ? null : q.replace("{{label}}", userLabel);
        }
    }

    /** One chunk [start, end] (both inclusive, as query_range has them). */
    record Chunk(long start, long end) {}

    private final Config config;
    private final long from;
    private final long to;
    private final int step;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /** Reads [from, to) at {@code step} seconds (from is aligned down to the step). */
    public PrometheusSource(Config config, long from, long to, int step) {
        this.config = Objects.requireNonNull(config, "config");
        if (step <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + step);
        }
        if (to <= from) {
            throw new IllegalArgumentException("empty window: to (" + to + ") must be after from (" + from + ")");
        }
        this.step = step;
        this.from = Math.floorDiv(from, step) * (long) step;
        this.to = to;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    }

    public String name() {
        return "prometheus";
    }

    public Trace read() {
        return fetch(null);
    }

    /** Only one user's series (filtered in PromQL on the server), or all users if {@code user} is null. */
    public Trace fetch(String user) {
        int slots = (int) ((to - from + step - 1) / step);
        long[] grid = new long[slots];
        for (int i = 0; i < slots; i++) {
            grid[i] = from + (long) i * step;
        }
        ValidationReport report = new ValidationReport("prometheus");
        Map<String, double[][]> usage = new TreeMap<>();
        for (Resource r : Resource.values()) {
            String q = config.query(r);
            if (q == null) {
                continue;
            }
            if (user != null) {
                // keep only the user's series: "and on(label)" with a constant vector carrying the label
                q = "(" + q + ") and on(" + config.userLabel() + ") label_replace(vector(1), \"" + config.userLabel()
                        + "\", \"" + promString(user) + "\", \"\", \"\")";
            }
            for (Chunk c : chunks(from, grid[slots - 1], step, config.maxPointsPerSeries())) {
                JsonNode result = queryRange(q, c);
                for (JsonNode series : result) {
                    JsonNode metric = series.get("metric");
                    JsonNode id = metric == null ? null : metric.get(config.userLabel());
                    if (id == null || id.asText().isEmpty()) {
                        report.quarantine(0, null, "series without user label '" + config.userLabel() + "' in " + r
                                + " query (aggregate the query by it)", String.valueOf(metric));
                        continue;
                    }
                    String u = id.asText();
                    double[][] cols = usage.computeIfAbsent(u, k -> newColumns(slots));
                    long n = 0;
                    for (JsonNode pair : series.get("values")) {
                        long t = Math.round(pair.get(0).asDouble());
                        double v = parseValue(pair.get(1).asText());
                        int i = (int) ((t - from) / step);
                        if (i < 0 || i >= slots || (t - from) % step != 0) {
                            report.quarantine(t, u, r + " sample off the requested grid", pair.toString());
                        } else if (Double.isInfinite(v) || v < 0) {
                            report.quarantine(t, u, (v < 0 ? "negative " : "infinite ") + r + " value", pair.toString());
                        } else {
                            cols[r.ordinal()][i] = v;
                            n++;
                        }
                    }
                    if (r == Resource.CPU) {
                        report.accepted(u, n);
                    }
                }
            }
        }
        Map<String, UserSeries> out = new java.util.LinkedHashMap<>();
        for (var e : usage.entrySet()) {
            double[][] cap = newColumns(slots);
            out.put(e.getKey(), new UserSeries(e.getKey(), step, grid.clone(), e.getValue(), cap));
        }
        return new Trace(step, out, report);
    }

    private static double[][] newColumns(int slots) {
        double[][] m = new double[Resource.COUNT][slots];
        for (double[] row : m) {
            Arrays.fill(row, Double.NaN);
        }
        return m;
    }

    private static double parseValue(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    static String promString(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Splits [first, last] (grid points) into chunks of at most {@code maxPoints} points each. */
    static List<Chunk> chunks(long first, long last, int step, int maxPoints) {
        List<Chunk> out = new ArrayList<>();
        long span = (long) (maxPoints - 1) * step;
        for (long s = first; s <= last; s += span + step) {
            out.add(new Chunk(s, Math.min(last, s + span)));
        }
        return out;
    }

    private JsonNode queryRange(String promql, Chunk c) {
        String body = "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start=" + c.start() + "&end=" + c.end()
                + "&step=" + step;
        URI uri = config.baseUrl().resolve("/api/v1/query_range");
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PrometheusException("cannot reach Prometheus at " + config.baseUrl() + " (" + e + ")."
                    + " Fix: check prometheus.url and that the server is up");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusException("interrupted while querying Prometheus", e);
        }
        JsonNode root;
        try {
            root = json.readTree(resp.body());
        } catch (IOException e) {
            throw new PrometheusException(uri + " answered HTTP " + resp.statusCode() + " with non-JSON: "
                    + abbreviate(resp.body()) + ". Fix: prometheus.url must point at the Prometheus server itself");
        }
        if (!"success".equals(root.path("status").asText())) {
            throw new PrometheusException("Prometheus refused query '" + promql + "' [" + c.start() + ", " + c.end() + "] step "
                    + step + ": " + root.path("errorType").asText() + ": " + root.path("error").asText()
                    + ". Fix: correct the query (prometheus.query.*) or the window");
        }
        JsonNode data = root.path("data");
        if (!"matrix".equals(data.path("resultType").asText())) {
            throw new PrometheusException("query '" + promql + "' returned " + data.path("resultType").asText()
                    + ", not a matrix. Fix: the query must be an instant-vector expression");
        }
        return data.path("result");
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}
