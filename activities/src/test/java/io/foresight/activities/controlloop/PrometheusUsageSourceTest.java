package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live Prometheus source on a stand-in HTTP server speaking Prometheus's query_range API: users "a" (cpu = the
 * hour of the sample's day) and "b" (reports until {@code bStops}); the server can be switched to failing.
 */
class PrometheusUsageSourceTest {
    static final int STEP = 300;
    static final long START = 1_700_000_100L / STEP * STEP;
    HttpServer server;
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicLong bStops = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong queries = new AtomicLong();
    String url;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/query_range", ex -> {
            queries.incrementAndGet();
            Map<String, String> form = new HashMap<>();
            for (String kv : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                int eq = kv.indexOf('=');
                form.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
            byte[] body;
            int code = 200;
            if (down.get()) {
                code = 503;
                body = "Service Unavailable".getBytes(StandardCharsets.UTF_8);
            } else {
                long from = Long.parseLong(form.get("start"));
                long to = Long.parseLong(form.get("end"));
                StringBuilder a = new StringBuilder();
                StringBuilder b = new StringBuilder();
                for (long t = from; t <= to; t += STEP) {
                    a.append(a.length() == 0 ? "" : ",").append("[").append(t).append(",\"").append((t / 3600) % 24).append("\"]");
                    if (t < bStops.get()) {
                        b.append(b.length() == 0 ? "" : ",").append("[").append(t).append(",\"1.5\"]");
                    }
                }
                body = ("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                        + "{\"metric\":{\"user\":\"a\"},\"values\":[" + a + "]},"
                        + "{\"metric\":{\"user\":\"b\"},\"values\":[" + b + "]}]}}").getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(code, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String ref() {
        return "prometheus:" + url + "#label=user&cpu=" + URLEncoder.encode("sum by ({{label}}) (cpu)", StandardCharsets.UTF_8)
                + "&step=" + STEP + "&start=" + START;
    }

    @Test
    void intervalsAreWallClockStepsFromTheStartWithFourDaysOfWarmUp() {
        AtomicLong now = new AtomicLong(START + 3 * STEP);
        PrometheusUsageSource src = PrometheusUsageSource.parse(ref(), now::get);
        assertEquals(List.of("a", "b"), src.users());
        assertEquals(4 * 288, src.firstInterval());
        assertEquals(Integer.MAX_VALUE, src.intervals());
        int i0 = src.firstInterval();
        UserSeries a = src.history("a", i0 + 3);
        assertEquals(START, a.timestamp(i0));
        assertEquals(START - (long) i0 * STEP, a.timestamp(0));
        assertEquals((START / 3600) % 24, a.usage(Resource.CPU, i0));
        assertEquals(((START + 2 * STEP) / 3600) % 24, a.usage(Resource.CPU, i0 + 2));
        // an interval that has not ended by the clock is not read
        assertTrue(Double.isNaN(src.history("a", i0 + 4).usage(Resource.CPU, i0 + 3)));
        now.set(START + 4 * STEP);
        assertEquals(((START + 3 * STEP) / 3600) % 24, src.history("a", i0 + 4).usage(Resource.CPU, i0 + 3));
        // no capacity in Prometheus: the allocation in force is the warm-up peak
        assertEquals(23.0, a.capacity(Resource.CPU, i0));
    }

    @Test
    void aUserWhoStopsReportingReadsAsNotObserved() {
        bStops.set(START + STEP);
        PrometheusUsageSource src = PrometheusUsageSource.parse(ref(), () -> START + 10 * STEP);
        int i0 = src.firstInterval();
        UserSeries b = src.history("b", i0 + 3);
        assertEquals(1.5, b.usage(Resource.CPU, i0));
        assertTrue(Double.isNaN(b.usage(Resource.CPU, i0 + 1)));
        assertTrue(Double.isNaN(b.usage(Resource.CPU, i0 + 2)));
    }

    @Test
    void aPrometheusThatGoesDownLeavesIntervalsUnreadAndTheyAreFetchedWhenItIsBack() {
        PrometheusUsageSource src = PrometheusUsageSource.parse(ref(), () -> START + 10 * STEP);
        int i0 = src.firstInterval();
        down.set(true);
        UserSeries held = src.history("a", i0 + 2);
        assertTrue(Double.isNaN(held.usage(Resource.CPU, i0)));
        assertTrue(Double.isNaN(held.usage(Resource.CPU, i0 + 1)));
        assertNotNull(src.lastError());
        assertTrue(src.lastError().contains("503"), src.lastError());
        down.set(false);
        UserSeries back = src.history("a", i0 + 2);
        assertEquals((START / 3600) % 24, back.usage(Resource.CPU, i0));
        assertNull(src.lastError());
    }

    @Test
    void newSamplesAreOneQueryPerResourceForAllUsers() {
        PrometheusUsageSource src = PrometheusUsageSource.parse(ref(), () -> START + 10 * STEP);
        long before = queries.get();
        int i0 = src.firstInterval();
        src.history("a", i0 + 1);
        src.history("b", i0 + 1);
        assertEquals(before + 1, queries.get(), "one cpu query for both users' new interval");
    }

    @Test
    void badReferencesAndEmptyAnswersSayWhatToDo() {
        IllegalArgumentException noQueries = assertThrows(IllegalArgumentException.class,
                () -> PrometheusUsageSource.parse("prometheus:" + url, () -> 0));
        assertTrue(noQueries.getMessage().contains("Fix: start the loop with ./foresight loop start --pool FILE"));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> PrometheusUsageSource.parse(ref().replace("label=user", "label=namespace"), () -> START));
        assertTrue(empty.getMessage().contains("returned no series"), empty.getMessage());
    }
}
