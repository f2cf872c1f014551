package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PoolPolicyResult;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard queries only series a control worker exports: the worker's activities (wired as
 * {@code worker} wires them, without Temporal) run a few cycles of the repo's real Bitbrains slice with a fresh
 * registry holding the loop's metrics and the JVM metrics the metrics endpoint adds; the registry is scraped in
 * the Prometheus text format and every metric name in every query of the dashboard must be a sample of it.
 * A renamed or removed metric otherwise leaves a panel silently empty.
 */
class DashboardMetricsTest {
    static final Path DASHBOARD = Path.of("..", "grafana", "dashboards", "foresight.json");
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static final String POOL = "dashboard";
    static final int CYCLES = 4;
    static final int SHARD = 10; // 20 users in 2 shards, one pool-wide policy check as the workflow runs it

    @TempDir
    static Path home;
    static String scrape;
    static int users;
    static int waitingLastCycle;

    @BeforeAll
    static void runAFewCyclesAndScrape() throws IOException {
        assertTrue(SLICE.toFile().isFile(), "the repo's real slice is missing: " + SLICE.toAbsolutePath());
        FsConfig config = FsConfig.load(Map.of("FORESIGHT_HOME", home.toString()));
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry); // what MetricsEndpoint adds next to the loop's metrics
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ControlLoopActivitiesImpl loop = new ControlLoopActivitiesImpl(
                Wiring.controlWorker(config, Models.forLoop(config, null, false, quiet)).withMetrics(registry));
        String source = "trace:" + SLICE.toAbsolutePath();
        users = loop.describePool(POOL, source).users();
        int shards = (users + SHARD - 1) / SHARD;
        for (long c = 0; c < CYCLES; c++) {
            for (int s = 0; s < shards; s++) {
                ShardTask t = ShardTask.of(POOL, source, c, s, SHARD);
                loop.plan(t, loop.predict(t, loop.collect(t).ref()).ref());
            }
            PoolPolicyResult d = loop.checkPoolPolicy(POOL, source, c, shards, SHARD, AllocationMode.ENFORCE, false);
            for (int s = 0; s < shards; s++) {
                // nobody approves: waiting changes stay waiting, as with an operator away
                loop.allocate(ShardTask.of(POOL, source, c, s, SHARD), d.decisionRefs().get(s), List.of());
            }
            String key = ShardTask.poolKey(POOL, c);
            MonitorResult m = loop.monitor(POOL, source, c, shards, key);
            loop.feedback(POOL, c, m, key);
            waitingLastCycle = d.waiting();
        }
        // Temporal retries an activity whose worker died after it finished: the decisions must not count twice
        loop.checkPoolPolicy(POOL, source, CYCLES - 1, shards, SHARD, AllocationMode.ENFORCE, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        scrape = out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyMetricTheDashboardQueriesIsExportedAfterAFewCycles() throws IOException {
        Set<String> queried = dashboardMetrics(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertTrue(queried.size() >= 10, "the dashboard's queries name " + queried);
        Set<String> missing = unexported(queried, sampleNames(scrape));
        assertTrue(missing.isEmpty(), "the dashboard queries " + missing + ", which no worker exports; exported: "
                + sampleNames(scrape));
    }

    @Test
    void policyDecisionsCountEveryUserOncePerCycleEvenWhenTheCheckIsRetried() {
        Map<String, Double> byOutcome = samples(scrape, "foresight_policy_decisions_total", "outcome");
        assertEquals(Set.of("approved", "adjusted", "denied", "waiting_approval", "hold"), byOutcome.keySet());
        assertEquals(users * CYCLES, byOutcome.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9,
                "decisions by outcome " + byOutcome);
        assertTrue(byOutcome.get("approved") + byOutcome.get("adjusted") > 0, "the first plans change allocations");
        assertEquals(waitingLastCycle, samples(scrape, "foresight_pool_waiting_approval_users", "pool").get(POOL), 1e-9);
        assertFalse(samples(scrape, "foresight_policy_rules_fired_total", "rule").isEmpty(), "no rule fired");
    }

    @Test
    void aPanelOnASeriesNobodyExportsIsCaught() throws IOException {
        JsonNode dash = new ObjectMapper().readTree(DASHBOARD.toFile());
        ((ObjectNode) dash.get("panels").get(0).get("targets").get(0))
                .put("expr", "sum by (pool) (rate(foresight_user_intervals_total{pool=~\"$pool\"}[5m]))");
        assertEquals(Set.of("foresight_user_intervals_total"), unexported(dashboardMetrics(dash), sampleNames(scrape)));
    }

    @Test
    void metricNamesAreReadOutOfPromQlWithoutFunctionsLabelsGroupingsOrRanges() {
        assertEquals(Set.of("a_total", "b_seconds_bucket", "c"), metricNames(
                "sum by (pool, le) (rate(a_total{pool=~\"$pool\", x!=\"sum(d)\"}[$__rate_interval])) "
                        + "/ on(pool) group_left(rule) histogram_quantile(0.95, b_seconds_bucket[5m] offset 1h) "
                        + "* 1e3 + c > bool 0 and topk(3, c)"));
        assertEquals(Set.of("foresight_pool_users"), metricNames("label_values(foresight_pool_users, pool)"));
        assertEquals(Set.of("up"), metricNames("count without (instance) (up == 1)"));
    }

    // ---- what the dashboard queries ----

    /** Metric names of every panel query and of every query variable (label_values) of the dashboard. */
    static Set<String> dashboardMetrics(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(metricNames(target.get("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                names.addAll(metricNames(variable.path("query").path("query").asText(variable.path("query").asText())));
            }
        }
        return names;
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\s*\\(\\s*([^,)]+)\\s*(,[^)]*)?\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");

    /** The metric names a PromQL expression (or a Grafana label_values query) reads. */
    static Set<String> metricNames(String expr) {
        String e = expr;
        Matcher lv = LABEL_VALUES.matcher(e);
        if (lv.matches()) {
            e = lv.group(1); // label_values(METRIC_SELECTOR, LABEL): the label is not a metric
        }
        e = e.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'", "\"\"") // strings (may hold anything)
                .replaceAll("\\$\\{?\\w+}?", "") // Grafana variables
                .replaceAll("\\{[^}]*}", " ") // label matchers
                .replaceAll("\\[[^\\]]*\\]", " ") // ranges and subqueries
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ") // groupings
                .replaceAll("\\boffset\\s+-?[0-9a-z]+", " ")
                .replaceAll("(?<![a-zA-Z_:0-9])[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?", " "); // numbers
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String rest = e.substring(m.end()).stripLeading();
            if (!rest.startsWith("(") && !KEYWORDS.contains(m.group().toLowerCase(java.util.Locale.ROOT))) {
                names.add(m.group()); // not a function or aggregation, not an operator
            }
        }
        return names;
    }

    // ---- what the worker exports ----

    /** Names of the samples of a Prometheus text-format scrape (histograms' _bucket/_count/_sum included). */
    static Set<String> sampleNames(String textFormat) {
        Set<String> names = new TreeSet<>();
        for (String line : textFormat.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = IDENTIFIER.matcher(line);
            if (m.lookingAt()) {
                names.add(m.group());
            }
        }
        return names;
    }

    /** Values of one metric's samples by one label (summed over the other labels). */
    static Map<String, Double> samples(String textFormat, String metric, String label) {
        Map<String, Double> values = new java.util.TreeMap<>();
        Pattern labelValue = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"");
        for (String line : textFormat.split("\n")) {
            if (line.startsWith(metric + "{")) {
                Matcher m = labelValue.matcher(line);
                assertTrue(m.find(), "no label " + label + " in " + line);
                values.merge(m.group(1), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        return values;
    }

    static Set<String> unexported(Set<String> queried, Set<String> exported) {
        assertFalse(exported.isEmpty(), "the scrape has no samples");
        Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(exported);
        return missing;
    }
}
