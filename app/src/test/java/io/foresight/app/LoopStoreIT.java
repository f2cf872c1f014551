package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.app.stack.FsConfig;
import io.foresight.collect.api.IngestServer;
import io.foresight.collect.store.DuckDbStore;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loop whose usage comes from the ingestion store, as a platform runs it: usage samples of the repo's real slice
 * (20 Bitbrains VMs, the first five days) are POSTed to the ingestion API, which holds the DuckDB store as
 * {@code foresight data serve} does; {@code loop start --pool} with {@code source: store:URL} starts a dry-run loop
 * the control worker (the {@code worker} command's wiring) runs, reading the store through the API. When the API goes
 * away mid-run the loop holds every user as stale instead of failing its cycles, and says so in {@code status}.
 */
class LoopStoreIT {
    static final String TOKEN = "loop-store-it-token-0123456789";
    static final int DAYS = 5;

    @TempDir
    Path dir;

    @Test
    void aLoopReadsTheIngestionStoreThroughTheApiAndHoldsUsersWhenItGoesAway() throws Exception {
        Trace slice = BitbrainsReader.read(Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"));
        DuckDbStore store = DuckDbStore.open(dir.resolve("store").resolve("foresight.duckdb"));
        IngestServer api = IngestServer.start(new IngestServer.Config(new InetSocketAddress("127.0.0.1", 0), TOKEN,
                4 * 1024 * 1024, 5000, 2), store);
        boolean apiUp = true;
        URI url = URI.create("http://127.0.0.1:" + api.port());
        java.util.function.Supplier<FsConfig> before = LoopCommand.config;
        try (DevServer temporal = DevServer.start(dir)) {
            long posted = 0;
            for (String id : slice.userIds()) {
                posted += postUsage(url, slice.user(id), DAYS * 288);
            }
            assertTrue(posted > 20 * (DAYS * 288 - 50), "the slice's samples were accepted: " + posted);
            Path poolFile = dir.resolve("pool-store.yaml");
            Files.writeString(poolFile, Files.readString(Path.of("..", "examples", "pool-store.yaml"))
                    .replace("source: store:http://127.0.0.1:8088", "source: store:" + url)
                    .replace("# start: 2013-07-05T00:00:00Z", "start: 2013-07-05T00:00:00Z")
                    .replace("# acceleration: 60", "acceleration: 60"));

            SimulatedCluster cluster = temporal.workerOfTheWorkerCommand(dir, Map.of("FORESIGHT_INGEST_TOKEN", TOKEN));

            String started = LoopCliIT.cli("loop", "start", "--pool", poolFile.toString());
            assertTrue(started.contains("started control-loop-store-demo"), started);
            assertTrue(started.contains("dry-run (decisions recorded, nothing applied)"), started);
            ControlLoopWorkflow loop = temporal.client.newWorkflowStub(ControlLoopWorkflow.class,
                    ControlLoopWorkflow.workflowId("store-demo"));
            LoopState s = LoopCliIT.await(loop, st -> st.cycle() >= 3);
            assertEquals(AllocationMode.DRY_RUN, s.mode());
            assertEquals(0, s.failedCycles(), LoopCommand.describe(s));
            assertEquals(20, s.lastOutcome().users(), "the slice's 20 VMs were read from the store: " + s.lastOutcome());
            assertTrue(!s.lastDecisionsSummary().contains("held"), "every VM reported: " + s.lastDecisionsSummary());

            // the API goes away: the next cycles read nothing, hold every user as stale and do not fail
            api.close();
            apiUp = false;
            long at = s.cycle();
            LoopState held = LoopCliIT.await(loop, st -> st.cycle() >= at + 2
                    && st.lastDecisionsSummary().contains("20 user(s) held, source stopped reporting"));
            assertEquals(0, held.failedCycles(), LoopCommand.describe(held));
            String status = LoopCliIT.cli("loop", "status", "--pool", "store-demo");
            assertTrue(status.contains("20 user(s) held, source stopped reporting"), status);

            assertTrue(LoopCliIT.cli("loop", "stop", "--pool", "store-demo").contains("pool store-demo cancelled"));
            assertTrue(cluster.entries("store-demo").isEmpty(), "dry-run applies nothing");
        } finally {
            LoopCommand.config = before;
            if (apiUp) {
                api.close();
            }
            store.close();
        }
    }

    /** Posts the first {@code n} observed intervals of a VM as usage samples, in batches; returns how many were accepted. */
    static long postUsage(URI api, UserSeries s, int n) throws Exception {
        long accepted = 0;
        StringBuilder batch = new StringBuilder();
        int inBatch = 0;
        for (int i = 0; i < Math.min(n, s.size()); i++) {
            if (Double.isNaN(s.usage(Resource.CPU, i))) {
                continue;
            }
            StringBuilder use = new StringBuilder();
            for (Resource r : Resource.values()) {
                double v = s.usage(r, i);
                if (!Double.isNaN(v)) {
                    use.append(use.length() == 0 ? "" : ", ").append('"').append(r.name().toLowerCase(Locale.ROOT)).append("\": ").append(v);
                }
            }
            batch.append(inBatch == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"user\": \"%s\", \"timestamp\": %d, \"step\": 300, \"usage\": {%s}}", s.user(), s.timestamp(i), use));
            if (++inBatch == 2000 || i == Math.min(n, s.size()) - 1) {
                accepted += post(api, batch, inBatch);
                batch.setLength(0);
                inBatch = 0;
            }
        }
        if (inBatch > 0) {
            accepted += post(api, batch, inBatch);
        }
        return accepted;
    }

    private static long post(URI api, CharSequence samples, int count) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(api.resolve("/v1/usage"))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"source\": \"agent\", \"samples\": [" + samples + "]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(r.body()).get("accepted").asLong();
    }
}
