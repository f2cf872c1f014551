package io.foresight.activities.monitoring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.DriftDetector;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.monitor.OutcomeMonitor;
import io.foresight.core.monitor.StalenessGuard;
import io.foresight.core.monitor.UserInterval;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard must only query metrics FleetMetrics exports (a renamed metric breaks panels silently). */
class FleetMetricsDashboardTest {
    @Test
    void everyDashboardMetricIsExported() throws Exception {
        Path dash = Path.of("..", "grafana", "dashboards", "foresight.json");
        assertTrue(Files.exists(dash), "dashboard at " + dash.toAbsolutePath());
        JsonNode root = new ObjectMapper().readTree(dash.toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode p : root.get("panels")) {
            for (JsonNode t : p.get("targets")) {
                Matcher m = java.util.regex.Pattern.compile("foresight_[a-z_]+").matcher(t.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group().replaceAll("_(total|bucket|sum|count)$", ""));
                }
            }
        }
        assertFalse(queried.isEmpty());

        PrometheusRegistry reg = new PrometheusRegistry();
        FleetMetrics fm = new FleetMetrics(reg);
        UserInterval u = new UserInterval("u", Pattern.BATCH, ResourceVector.of(2, 1, 1, 1), ResourceVector.of(1, 2, 2, 2),
                ResourceVector.of(1, 1, 1, 1), ResourceVector.of(1.5, 1, 1, 1), "m", false);
        fm.record(OutcomeMonitor.fiveMinute(PriceBook.DEFAULT).observe("p", 0, List.of(u)));
        fm.recordAnomalies("p", List.of(new Anomaly("u", Resource.CPU, 0, 0, Anomaly.Kind.SPIKE, 2, 1, 0.1, 10, "x")));
        fm.recordStaleness("p", new StalenessGuard(300, 3).check(0, Map.of("u", Map.of()), Set.of("cpu")));
        fm.recordRetrainRequests("p", List.of(new DriftDetector.RetrainRequest("m", List.of("u"), List.of("r"), 0)));
        fm.recordHeadroom("p", Map.of(Pattern.BATCH, 0.1));
        Set<String> exported = new TreeSet<>();
        for (MetricSnapshot s : reg.scrape()) {
            exported.add(s.getMetadata().getPrometheusName());
        }
        assertTrue(exported.containsAll(queried), "dashboard queries " + queried + " but only " + exported + " are exported");
    }
}
