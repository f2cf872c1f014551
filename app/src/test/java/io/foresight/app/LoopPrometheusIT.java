package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.activities.controlloop.PrometheusUsageSource;
import io.foresight.activities.controlloop.TraceUsageSource;
import io.foresight.app.loop.LiveSourceCheck;
import io.foresight.app.loop.PoolFile;
import io.foresight.app.stack.PrometheusBackfill;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.foresight.core.alloc.AllocationMode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control loop whose usage comes from a real Prometheus: six VMs of the bundled real Bitbrains slice are
 * backfilled (promtool tsdb create-blocks-from openmetrics) into a Prometheus started on a free loopback port; a pool
 * file points the loop at it, in dry-run, starting four days into the data. Two VMs stop reporting after the first
 * interval: from then on the loop holds them (no change planned for them is decided), says so in its state, and
 * nothing is applied (dry-run). A query that matches nothing is refused at {@code loop start} with one line.
 */
class LoopPrometheusIT {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static final int STEP = 300;

    @TempDir
    static Path dir;
    static Process prometheus;
    static URI url;
    static long start;
    static List<String> silent;

    @BeforeAll
    static void startPrometheusWithBackfilledSlice() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL),
                "needs the Debian prometheus package (/usr/bin/prometheus and /usr/bin/promtool)");
        Trace trace = BitbrainsReader.read(List.of(SLICE)).limitUsers(6);
        long first = trace.users().values().stream().mapToLong(s -> s.timestamp(0)).min().orElseThrow();
        start = Math.floorDiv(first + 4 * 86_400L, STEP) * STEP + STEP;
        long end = start + 12 * STEP;
        silent = trace.userIds().subList(0, 2);
        Path om = dir.resolve("slice.om");
        try (BufferedWriter w = Files.newBufferedWriter(om)) {
            // the silent users' exporter stops after the loop's first interval
            PrometheusBackfill.writeOpenMetrics(trace, w, user -> silent.contains(user) ? start + STEP : end);
        }
        Path data = dir.resolve("tsdb");
        PrometheusBackfill.createBlocks(PROMTOOL, om, data, dir.resolve("promtool.log"));
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
            return "(" + e + ")";
        }
    }

    Path poolFile(String name, String cpuQuery) throws IOException {
        return Files.writeString(dir.resolve(name), "pool: prom-it\nsource: prometheus:" + url + "\nprometheus.user-label: user\n"
                + "prometheus.query.cpu: " + cpuQuery + "\n"
                + "prometheus.query.memory: sum by ({{label}}) (foresight_usage_memory_gib)\n"
                + "start: " + Instant.ofEpochSecond(start) + "\ninterval: 5m\nshard-size: 4\nmax-cycles: 5\n");
    }

    @Test
    void aLoopOnPrometheusRunsInDryRunAndHoldsUsersWhoseSourceStopped() throws Exception {
        PoolFile pool = PoolFile.read(poolFile("pool.yaml", "sum by ({{label}}) (foresight_usage_cpu_cores)"));
        assertTrue(pool.dryRun(), "a live source is dry-run unless the pool file says enforce");
        String ref = LiveSourceCheck.prometheus(pool, System.currentTimeMillis() / 1000);
        assertTrue(ref.endsWith("&start=" + start), ref);

        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            ControlWorkerConfig config = ControlWorkerConfig.defaults(dir.resolve("state"))
                    // the data is from 2013: every interval has ended by the worker's clock
                    .withUsageSources(PrometheusUsageSource.withTraces(TraceUsageSource.resolver(1152), () -> Long.MAX_VALUE / 4));
            SimulatedCluster cluster = (SimulatedCluster) config.actuator();
            ControlWorker.register(env.getWorkerFactory(), config);
            env.start();
            WorkflowClient client = env.getWorkflowClient();
            ControlLoopParams params = new ControlLoopParams(pool.pool(), ref, pool.shardSize(), pool.intervalSeconds(), 1.0,
                    100, pool.maxCycles(), Duration.ofMinutes(2), false, AllocationMode.DRY_RUN, null);
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL).setWorkflowId(ControlLoopWorkflow.workflowId(pool.pool())).build());
            LoopState s = loop.run(params);

            assertEquals(5, s.cycle(), LoopCommand.describe(s));
            assertEquals(0, s.failedCycles(), LoopCommand.describe(s));
            assertEquals(AllocationMode.DRY_RUN, s.mode());
            assertTrue(s.lastDecisionsSummary().contains("; 2 user(s) held, source stopped reporting (e.g. "
                    + String.join(", ", silent.stream().sorted().toList()) + ")"), s.lastDecisionsSummary());
            assertTrue(LoopCommand.describe(s).contains("2 user(s) held, source stopped reporting"));
            assertTrue(s.lastOutcome().users() >= 4, "the four reporting VMs were observed: " + s.lastOutcome());
            assertTrue(cluster.entries(pool.pool()).isEmpty(), "dry-run applies nothing");
            Path decisions = dir.resolve("state").resolve("pools/prom-it/cycles/00000004");
            String held = Files.walk(decisions).filter(p -> p.getFileName().toString().startsWith("decisions-"))
                    .map(LoopPrometheusIT::read).reduce("", String::concat);
            for (String u : silent) {
                assertTrue(held.contains("\"user\":\"" + u + "\""), held);
            }
            assertTrue(held.contains("stale: the source stopped reporting this user"), held);
        }
    }

    @Test
    void aQueryThatMatchesNothingIsRefusedAtStart() throws Exception {
        PoolFile pool = PoolFile.read(poolFile("none.yaml", "sum by ({{label}}) (no_such_metric)"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LiveSourceCheck.prometheus(pool, System.currentTimeMillis() / 1000));
        assertTrue(e.getMessage().contains("returned no series with label 'user' for the cpu query"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: check prometheus.query.cpu"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
