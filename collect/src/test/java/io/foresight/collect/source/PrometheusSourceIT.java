package io.foresight.collect.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfills a slice of the real Bitbrains trace into a real Prometheus (promtool
 * create-blocks-from openmetrics), starts Prometheus on a free loopback port and reads the data
 * back through {@link PrometheusSource}.
 */
class PrometheusSourceIT {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static final String[] METRIC = {"foresight_usage_cpu_cores", "foresight_usage_memory_gib",
        "foresight_usage_network_mbps", "foresight_usage_disk_mbps"};

    @TempDir
    static Path dir;
    static Process prometheus;
    static URI url;
    static Trace trace;
    static long from;
    static long to;

    @BeforeAll
    static void startPrometheusWithBackfilledTrace() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL),
                "needs the Debian prometheus package (/usr/bin/prometheus and /usr/bin/promtool): apt-get install prometheus");
        trace = BitbrainsReader.read(List.of(SLICE)).limitUsers(5);
        from = Long.MAX_VALUE;
        to = Long.MIN_VALUE;
        Path om = dir.resolve("bitbrains.om");
        try (BufferedWriter w = Files.newBufferedWriter(om)) {
            for (Resource r : Resource.values()) {
                w.write("# TYPE " + METRIC[r.ordinal()] + " gauge\n");
                for (UserSeries s : trace.users().values()) {
                    from = Math.min(from, s.timestamp(0));
                    to = Math.max(to, s.timestamp(s.size() - 1) + 300);
                    for (int i = 0; i < s.size(); i++) {
                        double v = s.usage(r, i);
                        if (!Double.isNaN(v)) {
                            w.write(METRIC[r.ordinal()] + "{user=\"" + s.user() + "\"} " + v + " " + s.timestamp(i) + "\n");
                        }
                    }
                }
            }
            w.write("# EOF\n");
        }
        Path data = Files.createDirectories(dir.resolve("tsdb"));
        Process backfill = new ProcessBuilder(PROMTOOL.toString(), "tsdb", "create-blocks-from", "openmetrics", "-q",
                om.toString(), data.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("promtool.log").toFile()).start();
        assertTrue(backfill.waitFor(300, TimeUnit.SECONDS), "promtool backfill timed out");
        assertEquals(0, backfill.exitValue(), () -> read(dir.resolve("promtool.log")));

        Path cfg = Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1h\nscrape_configs: []\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        url = URI.create("http://127.0.0.1:" + port);
        prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + cfg, "--storage.tsdb.path=" + data,
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + read(dir.resolve("prometheus.log")));
            try {
                if (http.send(HttpRequest.newBuilder(url.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // still starting
            }
            assertTrue(System.nanoTime() < deadline, "prometheus not ready after 90 s");
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stopPrometheus() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Each sample is valid only at its own timestamp (no 5-minute lookback smearing into gaps). */
    static PrometheusSource.Config config(int maxPoints) {
        Map<Resource, String> q = new EnumMap<>(Resource.class);
        for (Resource r : Resource.values()) {
            q.put(r, "sum by ({{label}}) (last_over_time(" + METRIC[r.ordinal()] + "[299s]))");
        }
        return new PrometheusSource.Config(url, "user", q, Duration.ofSeconds(60), maxPoints);
    }

    static void assertSameUsage(UserSeries want, UserSeries got) {
        int offset = (int) ((want.timestamp(0) - got.timestamp(0)) / 300);
        for (Resource r : Resource.values()) {
            for (int i = 0; i < want.size(); i++) {
                double w = want.usage(r, i);
                double g = got.usage(r, i + offset);
                assertEquals(Double.isNaN(w), Double.isNaN(g), want.user() + " " + r + " @" + want.timestamp(i));
                if (!Double.isNaN(w)) {
                    assertEquals(w, g, 0.0, want.user() + " " + r + " @" + want.timestamp(i));
                }
            }
        }
    }

    @Test
    void rangeQueriesInChunksReturnTheTraceExactly() {
        // 1,000 points per query: the 14-day window (4,032 steps) needs 5 chunks
        Trace back = new PrometheusSource(config(1000), from, to, 300).read();
        assertEquals(trace.users().keySet().stream().sorted().toList(), back.users().keySet().stream().sorted().toList());
        for (UserSeries s : trace.users().values()) {
            assertSameUsage(s, back.user(s.user()));
        }
        assertEquals(0, back.report().quarantinedTotal());
        long observed = trace.users().values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s.usageColumn(Resource.CPU)).filter(v -> !Double.isNaN(v)).count()).sum();
        assertEquals(observed, back.report().acceptedTotal());
    }

    @Test
    void windowsAboveElevenThousandPointsWorkOnlyBecauseOfChunking() throws Exception {
        // 14 days at 60 s = 20,160 points per series: one query is refused by Prometheus ...
        String q = config(11_000).query(Resource.CPU);
        String body = "query=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&start=" + from + "&end=" + (to - 60) + "&step=60";
        HttpResponse<String> raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.resolve("/api/v1/query_range"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, raw.statusCode());
        assertTrue(raw.body().contains("11,000 points"), raw.body());
        // ... while the source splits it into two
        Trace back = new PrometheusSource(config(PrometheusSource.PROMETHEUS_MAX_POINTS), from, to, 60).read();
        UserSeries s = trace.users().values().iterator().next();
        UserSeries b = back.user(s.user());
        assertEquals((to - from) / 60, b.size());
        // at every 5-minute boundary the 1-minute series shows the trace value
        for (int i = 0; i < s.size(); i++) {
            double w = s.usage(Resource.CPU, i);
            int k = (int) ((s.timestamp(i) - b.timestamp(0)) / 60);
            if (!Double.isNaN(w)) {
                assertEquals(w, b.usage(Resource.CPU, k), 0.0);
            }
        }
    }

    @Test
    void badQueriesAndUnreachableServersFailWithTheCause() {
        Map<Resource, String> q = new EnumMap<>(Resource.class);
        q.put(Resource.CPU, "sum by ({{label}}) (rate(foresight_usage_cpu_cores[5m]");
        PrometheusSource.Config bad = new PrometheusSource.Config(url, "user", q, Duration.ofSeconds(10), 11_000);
        PrometheusException e = assertThrows(PrometheusException.class, () -> new PrometheusSource(bad, from, to, 300).read());
        assertTrue(e.getMessage().contains("Prometheus refused query") && e.getMessage().contains("bad_data"), e.getMessage());

        Map<Resource, String> unlabelled = new EnumMap<>(Resource.class);
        unlabelled.put(Resource.CPU, "sum(last_over_time(foresight_usage_cpu_cores[299s]))");
        Trace t = new PrometheusSource(new PrometheusSource.Config(url, "user", unlabelled, Duration.ofSeconds(10), 11_000),
                from, from + 3000, 300).read();
        assertTrue(t.users().isEmpty());
        assertTrue(t.report().reasonTotals().keySet().iterator().next().contains("without user label 'user'"),
                t.report().reasonTotals().toString());

        PrometheusSource.Config down = PrometheusSource.Config.kubernetes(URI.create("http://127.0.0.1:1"), "namespace");
        PrometheusException d = assertThrows(PrometheusException.class, () -> new PrometheusSource(down, from, to, 300).read());
        assertTrue(d.getMessage().toLowerCase(Locale.ROOT).contains("cannot reach prometheus"), d.getMessage());
    }
}
