package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.collect.api.IngestClient;
import io.foresight.collect.api.IngestServer;
import io.foresight.collect.store.DuckDbStore;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.rules.DroolsPolicyGate;
import io.foresight.rules.PolicyRepository;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interaction events end to end, ahead of the usage they announce. Six real VMs of the repo's Bitbrains slice are the
 * usage, posted as samples to the ingestion API ({@code POST /v1/usage}) and kept in its store (DuckDB); a configuration change of one VM's owner is posted through the real
 * ingestion API ({@code POST /v1/events}) ten minutes before that VM's largest real CPU rise of the run. The event is
 * synthetic (no public trace records interaction events); its time is chosen from the usage, as stated.
 * The loop's activities read usage and events through {@link StoreUsageSource} over the API ({@code IngestClient}); with the events part on, the loop
 * raises the VM's allocation in the cycle that observed the change, so the capacity is in force before the usage
 * arrives; with it off, it is not. {@code evaluate}'s pool replay, fed the same source, decides identically.
 */
class EventsLeadUsageEndToEndTest {
    static final int WARMUP = 4 * 288;
    static final int CYCLES = 120;
    static final int STEP = 300;
    static final String TOKEN = "events-e2e-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void aConfigChangeIngestedBeforeTheUsageScalesTheUserUpBeforeItArrives() throws Exception {
        Trace all = BitbrainsReader.read(OneEngineParityTest.slice());
        Map<String, UserSeries> six = new LinkedHashMap<>();
        for (String id : all.userIds()) {
            UserSeries s = all.user(id);
            if (six.size() < 6 && complete(s)) {
                six.put(id, s.slice(0, WARMUP + CYCLES));
            }
        }
        Trace trace = new Trace(STEP, six, all.report());
        // the VM and interval of the largest real CPU rise of the run: usage there above the last half hour's peak
        String user = null;
        int at = -1;
        double best = 0;
        for (UserSeries s : six.values()) {
            double[] cpu = s.usageColumn(Resource.CPU);
            for (int i = WARMUP + 8; i < WARMUP + CYCLES; i++) {
                double before = 0;
                for (int k = i - 6; k < i; k++) {
                    before = Math.max(before, cpu[k]);
                }
                double up = cpu[i] - before;
                if (up > best) {
                    best = up;
                    user = s.user();
                    at = i;
                }
            }
        }
        assertTrue(best > 0.5, "the run must hold a real rise of at least half a core, best " + best);
        int rise = at;
        long start = trace.user(user).timestamp(WARMUP);
        long changeAt = trace.user(user).timestamp(rise - 2) + 60; // ten minutes (two intervals) before the rise

        DuckDbStore store = DuckDbStore.open(dir.resolve("store.duckdb"));
        IngestServer server = IngestServer.start(new IngestServer.Config(new InetSocketAddress("127.0.0.1", 0), TOKEN,
                1024 * 1024, 5000, 2), store);
        try {
            URI api = URI.create("http://127.0.0.1:" + server.port());
            // the usage arrives the way a platform's agent sends it: samples posted to the ingestion API
            for (UserSeries s : six.values()) {
                StringBuilder samples = new StringBuilder();
                int sent = 0;
                for (int i = 0; i < s.size(); i++) {
                    if (Double.isNaN(s.usage(Resource.CPU, i))) {
                        continue; // not observed: nothing to send
                    }
                    samples.append(samples.length() == 0 ? "" : ",").append(String.format(Locale.ROOT,
                            "{\"user\": \"%s\", \"timestamp\": %d, \"step\": %d, \"usage\": {%s}%s}", s.user(), s.timestamp(i), STEP,
                            resources(s.usageAt(i)), Double.isNaN(s.capacityAt(i).cpu()) ? ""
                                    : ", \"capacity\": {" + resources(s.capacityAt(i)) + "}"));
                    sent++;
                }
                HttpResponse<String> posted = post(api.resolve("/v1/usage"), "{\"source\": \"bitbrains\", \"samples\": [" + samples + "]}");
                assertEquals(200, posted.statusCode(), posted.body());
                assertTrue(posted.body().contains("\"accepted\":" + sent), posted.body());
            }
            String body = String.format(Locale.ROOT, "{\"events\": [{\"kind\": \"config_change\", \"user\": \"%s\","
                    + " \"timestamp\": %d, \"attributes\": {\"key\": \"replicas\", \"old\": \"2\", \"new\": \"8\"}}]}",
                    user, changeAt);
            HttpResponse<String> r = post(api.resolve("/v1/events"), body);
            assertEquals(200, r.statusCode(), r.body());

            long end = start + (long) CYCLES * STEP;
            // the loop reads the store through the API, as a worker on another host does (DuckDB has one owner process)
            IngestClient client = new IngestClient(api, TOKEN, Duration.ofSeconds(20));
            long origin = start - (long) WARMUP * STEP;
            UserSeries overHttp = client.series(user, origin, end, STEP);
            UserSeries inProcess = store.series(user, origin, end, STEP);
            for (Resource res : Resource.values()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(inProcess.usageColumn(res), overHttp.usageColumn(res), 1e-12,
                        "the API reads what the store holds: " + res);
            }
            assertEquals(store.events(user, origin * 1000, end * 1000), client.events(user, origin * 1000, end * 1000));
            StoreUsageSource source = new StoreUsageSource(client, start, STEP, WARMUP, () -> end);
            assertEquals(List.copyOf(six.keySet()).stream().sorted().toList(), source.users());
            // the source gives the event to the interval it happened in, and nothing of later intervals
            assertEquals(1, source.history(user, rise - 1).events().at(rise - 2).configChanges());
            assertEquals(rise - 1, source.history(user, rise - 1).size());

            UsageSource.Resolver sources = ref -> source;
            DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.bundled(), PriceBook.DEFAULT);
            OneEngineParityTest.Parity on = OneEngineParityTest.runBoth(dir.resolve("on"), trace, "store:test", sources,
                    gate, CycleEngine.Parts.DEFAULTS, WARMUP, CYCLES, false);
            OneEngineParityTest.Parity off = OneEngineParityTest.runBoth(dir.resolve("off"), trace, "store:test", sources,
                    gate, CycleEngine.Parts.DEFAULTS.withEvents(false), WARMUP, CYCLES, false);

            // in force during interval i = index i - WARMUP of the loop's list; the change was observed in rise - 2
            int cpu = Resource.CPU.ordinal();
            double beforeOn = on.inForce().get(user).get(rise - 1 - WARMUP)[cpu];
            double beforeOff = off.inForce().get(user).get(rise - 1 - WARMUP)[cpu];
            double usage = trace.user(user).usage(Resource.CPU, rise);
            System.out.printf(Locale.ROOT, "events e2e: %s, change at interval %d, CPU rises to %.2f cores at %d;"
                    + " in force at %d: %.2f cores with events, %.2f without%n", user, rise - 2, usage, rise, rise - 1,
                    beforeOn, beforeOff);
            assertTrue(beforeOn > beforeOff, "scaled up before the usage arrived: " + beforeOn + " vs " + beforeOff);
            for (String other : six.keySet()) {
                for (int i = 0; i < rise - 1 - WARMUP; i++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(off.inForce().get(other).get(i),
                            on.inForce().get(other).get(i), 0.0, "before the change nothing differs: " + other + " at " + i);
                }
            }
        } finally {
            server.close();
            store.close();
        }
    }

    /** The observed resources of a vector as JSON members ("cpu": 1.5, ...). */
    private static String resources(io.foresight.core.model.ResourceVector v) {
        StringBuilder b = new StringBuilder();
        for (Resource res : Resource.values()) {
            if (!Double.isNaN(v.get(res))) {
                b.append(b.length() == 0 ? "" : ", ").append('"').append(res.name().toLowerCase(Locale.ROOT)).append("\": ").append(v.get(res));
            }
        }
        return b.toString();
    }

    private static HttpResponse<String> post(URI uri, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every interval of the run observed (a store source holds a user with a missing sample as stale). */
    static boolean complete(UserSeries s) {
        for (int i = WARMUP; i < Math.min(s.size(), WARMUP + CYCLES); i++) {
            if (Double.isNaN(s.usage(Resource.CPU, i))) {
                return false;
            }
        }
        return s.size() >= WARMUP + CYCLES;
    }
}
