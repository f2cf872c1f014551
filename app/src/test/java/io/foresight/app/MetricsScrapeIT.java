package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.LocalStack;
import io.prometheus.metrics.core.metrics.Counter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Foresight's metrics endpoint is scraped by the stack's real Prometheus (which `stack up` configured to). */
class MetricsScrapeIT {
    @Test
    void prometheusScrapesTheMetricsEndpoint() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("FORESIGHT_HOME", Path.of("").toAbsolutePath().getParent().toString());
        FsConfig config = FsConfig.load(env);
        assumeTrue(new LocalStack(config, new PrintStream(new ByteArrayOutputStream())).healthy("prometheus"),
                "no Prometheus in the stack (Debian package prometheus not installed)");
        Counter probe = Counter.builder().name("foresight_scrape_probe_total").help("set by MetricsScrapeIT").register();
        probe.inc(7);
        HttpClient http = HttpClient.newHttpClient();
        String query = URLEncoder.encode("foresight_scrape_probe_total", StandardCharsets.UTF_8);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(config.getInt("metrics.port", 9464))) {
            long deadline = System.currentTimeMillis() + 60_000;
            String body = "";
            while (System.currentTimeMillis() < deadline) {
                body = http.send(HttpRequest.newBuilder(URI.create(config.prometheusUrl() + "/api/v1/query?query=" + query)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains("\"7\"")) {
                    break;
                }
                Thread.sleep(1000); // Prometheus scrapes every 5 s: poll its API, bounded by the deadline
            }
            assertTrue(body.contains("\"job\":\"foresight\"") && body.contains("\"7\""), "Prometheus did not scrape the probe: " + body);
        }
    }
}
