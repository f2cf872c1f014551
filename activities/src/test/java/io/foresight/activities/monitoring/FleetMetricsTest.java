package io.foresight.activities.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.monitor.IntervalReport;
import io.foresight.core.monitor.OutcomeMonitor;
import io.foresight.core.monitor.UserInterval;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetMetricsTest {
    /** A pool of n users: every 7th short of CPU by a depth growing with its index, two models, 5 patterns. */
    private static List<UserInterval> pool(int n) {
        Pattern[] ps = {Pattern.BATCH, Pattern.INTERACTIVE_DEV, Pattern.DATA_ANALYSIS, Pattern.STEADY_SERVICE, Pattern.IDLE};
        List<UserInterval> us = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double used = i % 7 == 0 ? 1 + i / (double) n : 0.5;
            us.add(new UserInterval("user-" + i, ps[i % ps.length], ResourceVector.of(used, 1, 0.2, 0.1),
                    ResourceVector.of(1, 2, 1, 1), ResourceVector.of(0.6, 1, 0.2, 0.1), ResourceVector.of(0.9, 1.5, 1, 1),
                    i % 2 == 0 ? "seasonal-naive" : "gbt-v3", false));
        }
        return us;
    }

    private static int series(PrometheusRegistry reg, Set<String> labelValues) {
        MetricSnapshots snaps = reg.scrape();
        int n = 0;
        for (MetricSnapshot s : snaps) {
            for (DataPointSnapshot d : s.getDataPoints()) {
                n++;
                Labels l = d.getLabels();
                for (int i = 0; i < l.size(); i++) {
                    labelValues.add(l.getValue(i));
                }
            }
        }
        return n;
    }

    private static PrometheusRegistry export(int users, int intervals) {
        PrometheusRegistry reg = new PrometheusRegistry();
        FleetMetrics m = new FleetMetrics(reg);
        OutcomeMonitor mon = OutcomeMonitor.fiveMinute(PriceBook.DEFAULT);
        List<UserInterval> us = pool(users);
        for (int t = 0; t < intervals; t++) {
            IntervalReport r = mon.observe("pool-a", 1_000_000 + 300L * t, us);
            m.record(r);
            m.recordHeadroom("pool-a", Map.of(Pattern.BATCH, 0.1));
            m.recordAnomalies("pool-a", List.of(new Anomaly("user-1", Resource.CPU, 0, 0, Anomaly.Kind.SPIKE, 2, 1, 0.1, 10, "x")));
        }
        return reg;
    }

    @Test
    void cardinalityDoesNotGrowWithUsers() {
        Set<String> small = new HashSet<>();
        Set<String> large = new HashSet<>();
        int s = series(export(1_000, 2), small);
        int l = series(export(100_000, 2), large);
        assertEquals(s, l, "the number of series must not depend on the number of users");
        assertTrue(l <= 200, "bounded series count, got " + l);
        assertTrue(large.stream().noneMatch(v -> v.startsWith("user-")), "no user id may appear as a label value");
        assertTrue(large.containsAll(Set.of("1", "10")), "ranks 1..10 are labels");
        assertFalse(large.contains("11"));
    }

    @Test
    void exportsPoolAggregates() {
        PrometheusRegistry reg = export(700, 1);
        double slackCpu = Double.NaN;
        double rank1 = Double.NaN;
        double batchUsers = Double.NaN;
        for (MetricSnapshot s : reg.scrape()) {
            if (!(s instanceof GaugeSnapshot g)) {
                continue;
            }
            for (GaugeSnapshot.GaugeDataPointSnapshot d : g.getDataPoints()) {
                String name = s.getMetadata().getPrometheusName();
                if (name.equals("foresight_allocation_slack_ratio") && d.getLabels().get("resource").equals("cpu")) {
                    slackCpu = d.getValue();
                } else if (name.equals("foresight_top_shortfall_ratio") && d.getLabels().get("rank").equals("1")) {
                    rank1 = d.getValue();
                } else if (name.equals("foresight_users") && d.getLabels().get("pattern").equals("batch")) {
                    batchUsers = d.getValue();
                }
            }
        }
        // 600 of 700 users use 0.5 of 1 core (slack 0.5); the 100 short ones have none
        assertEquals(600 * 0.5 / 700, slackCpu, 1e-9);
        assertEquals((1 + 693 / 700.0 - 1) / (1 + 693 / 700.0), rank1, 1e-9, "user-693 is the deepest shortfall");
        assertEquals(140, batchUsers);
    }

    @Test
    void modelLabelIsCapped() {
        PrometheusRegistry reg = new PrometheusRegistry();
        FleetMetrics m = new FleetMetrics(reg);
        OutcomeMonitor mon = OutcomeMonitor.fiveMinute(PriceBook.DEFAULT);
        List<UserInterval> us = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            us.add(new UserInterval("u" + i, Pattern.BATCH, ResourceVector.of(1, 1, 1, 1), ResourceVector.of(1, 1, 1, 1),
                    ResourceVector.of(1, 1, 1, 1), ResourceVector.of(1, 1, 1, 1), "model-" + i, false));
        }
        m.record(mon.observe("p", 0, us));
        Set<String> values = new HashSet<>();
        series(reg, values);
        long models = values.stream().filter(v -> v.startsWith("model-")).count();
        assertEquals(FleetMetrics.MAX_MODELS, models);
        assertTrue(values.contains(FleetMetrics.OTHER));
    }

    @Test
    void exportsAWholeFeedbackStep() {
        PrometheusRegistry reg = new PrometheusRegistry();
        FleetMetrics m = new FleetMetrics(reg);
        IntervalReport rep = OutcomeMonitor.fiveMinute(PriceBook.DEFAULT).observe("pool-b", 0, pool(10));
        io.foresight.core.monitor.StalenessGuard.Report stale = new io.foresight.core.monitor.StalenessGuard(300, 3)
                .check(10_000, Map.of("user-1", Map.of("usage", 0L), "user-2", Map.of("usage", 9_900L)), Set.of("usage"));
        m.record(new io.foresight.core.feedback.FeedbackCycle.Result(rep, List.of(), List.of(),
                List.of(new io.foresight.core.feedback.DriftDetector.RetrainRequest("gbt-v3", List.of("user-1"), List.of("drift"), 0)),
                stale, Map.of(Pattern.BATCH, 0.2)));
        double staleUsers = Double.NaN;
        double headroom = Double.NaN;
        for (MetricSnapshot s : reg.scrape()) {
            if (s instanceof GaugeSnapshot g) {
                for (GaugeSnapshot.GaugeDataPointSnapshot d : g.getDataPoints()) {
                    if (s.getMetadata().getPrometheusName().equals("foresight_stale_users")) {
                        staleUsers = d.getValue();
                    } else if (s.getMetadata().getPrometheusName().equals("foresight_headroom_ratio")) {
                        headroom = d.getValue();
                    }
                }
            }
        }
        assertEquals(1, staleUsers);
        assertEquals(0.2, headroom);
    }
}
