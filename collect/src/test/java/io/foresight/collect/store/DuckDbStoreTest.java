package io.foresight.collect.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static Trace trace;

    @TempDir
    Path dir;

    @BeforeAll
    static void readSlice() {
        trace = BitbrainsReader.read(List.of(SLICE)).limitUsers(3);
    }

    private DuckDbStore loaded() {
        DuckDbStore s = DuckDbStore.open(dir.resolve("store.duckdb"));
        s.write(WriteBatch.builder("bitbrains").usage(trace.users().values()).build());
        return s;
    }

    @Test
    void seriesAtNativeStepEqualsTheTrace() {
        try (DuckDbStore s = loaded()) {
            for (UserSeries t : trace.users().values()) {
                long from = t.timestamp(0);
                long to = t.timestamp(t.size() - 1) + 300;
                UserSeries back = s.series(t.user(), from, to, 300);
                assertEquals(t.size(), back.size());
                for (Resource r : Resource.values()) {
                    for (int i = 0; i < t.size(); i++) {
                        double want = t.usage(r, i);
                        double got = back.usage(r, i);
                        assertEquals(Double.isNaN(want), Double.isNaN(got), t.user() + " " + r + " @" + i);
                        if (!Double.isNaN(want)) {
                            assertEquals(want, got, 1e-12);
                        }
                    }
                }
                assertEquals(t.capacity(Resource.CPU, 5), back.capacity(Resource.CPU, 5), 1e-12);
            }
        }
    }

    @Test
    void coarserStepAveragesAndPoolSumsUsers() {
        try (DuckDbStore s = loaded()) {
            UserSeries t = trace.users().values().iterator().next();
            long from = t.timestamp(0);
            UserSeries hourly = s.series(t.user(), from, from + 6 * 3600, 3600);
            assertEquals(6, hourly.size());
            for (int h = 0; h < 6; h++) {
                double sum = 0;
                int n = 0;
                for (int i = h * 12; i < h * 12 + 12; i++) {
                    if (!Double.isNaN(t.usage(Resource.CPU, i))) {
                        sum += t.usage(Resource.CPU, i);
                        n++;
                    }
                }
                assertEquals(sum / n, hourly.usage(Resource.CPU, h), 1e-9);
            }
            UserSeries pool = s.poolTotals(from, from + 3000, 300);
            assertEquals("pool", pool.user());
            for (int i = 0; i < pool.size(); i++) {
                double want = Double.NaN; // nobody observed -> NaN, not 0
                for (UserSeries u : trace.users().values()) {
                    int k = (int) Math.floorDiv(from + i * 300L - u.timestamp(0), 300L);
                    double v = k >= 0 && k < u.size() ? u.usage(Resource.CPU, k) : Double.NaN;
                    if (!Double.isNaN(v)) {
                        want = Double.isNaN(want) ? v : want + v;
                    }
                }
                assertEquals(want, pool.usage(Resource.CPU, i), 1e-9, "pool at step " + i);
            }
        }
    }

    @Test
    void statsAndLatestWindows() {
        try (DuckDbStore s = loaded()) {
            List<UserStats> stats = s.userStats(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
            assertEquals(3, stats.size());
            for (UserStats st : stats) {
                UserSeries t = trace.user(st.user());
                double[] cpu = t.usageColumn(Resource.CPU);
                double max = java.util.Arrays.stream(cpu).filter(v -> !Double.isNaN(v)).max().orElseThrow();
                double mean = java.util.Arrays.stream(cpu).filter(v -> !Double.isNaN(v)).average().orElseThrow();
                assertEquals(max, st.peak().cpu(), 1e-12);
                assertEquals(mean, st.mean().cpu(), 1e-9);
            }
            Map<String, UserSeries> latest = s.latest(3600, 300);
            assertEquals(trace.userIds().stream().sorted().toList(), List.copyOf(latest.keySet()));
            for (UserSeries l : latest.values()) {
                UserSeries t = trace.user(l.user());
                assertEquals(12, l.size());
                assertEquals(t.timestamp(t.size() - 1), l.timestamp(11));
                assertEquals(t.usage(Resource.CPU, t.size() - 1), l.usage(Resource.CPU, 11), 1e-12);
            }
            assertEquals(trace.userIds().stream().sorted().toList(), s.users());
        }
    }

    @Test
    void reloadingReplacesInsteadOfDuplicating() {
        try (DuckDbStore s = loaded()) {
            long rows = s.counts().get("usage");
            s.write(WriteBatch.builder("bitbrains").usage(trace.users().values()).build());
            assertEquals(rows, s.counts().get("usage"));
            assertTrue(rows > 3 * 4000);
        }
    }

    @Test
    void executionsEventsAndQuarantineRoundTrip() {
        try (DuckDbStore s = DuckDbStore.open(dir.resolve("s.duckdb"))) {
            ExecutionRecord a = new ExecutionRecord("j1", "alice", "g", "train.py", null, 100, 110, 400,
                    ResourceVector.of(2, 4, Double.NaN, 1), ExecutionRecord.Status.COMPLETED, List.of());
            ExecutionRecord b = new ExecutionRecord("j2", "alice", null, "eval.py", "gpu", 120, 400, 500,
                    ResourceVector.of(1, 1, 0.5, 0), ExecutionRecord.Status.FAILED, List.of("j1"));
            InteractionEvent e = new InteractionEvent(InteractionEvent.Kind.CONFIG_CHANGE, "alice", 123_456L, Map.of("key", "replicas"));
            QuarantinedRecord q = new QuarantinedRecord("api", 3, "bob", "bad start", "{\"x\":1}");
            assertEquals(4, s.write(WriteBatch.builder("api").executions(List.of(a, b)).events(List.of(e)).quarantine(List.of(q)).build()));
            List<ExecutionRecord> back = s.executions("alice", 0, 1000);
            assertEquals(2, back.size());
            assertEquals(b.dependsOn(), back.get(1).dependsOn());
            assertEquals("gpu", back.get(1).queue());
            assertTrue(Double.isNaN(back.get(0).resources().network()));
            assertEquals(a.jobId(), back.get(0).jobId());
            assertEquals(a.endTime(), back.get(0).endTime());
            assertEquals(List.of(e), s.events("alice", 0, Long.MAX_VALUE));
            assertEquals(List.of(q), s.quarantined("api", 10));
            // resending j1 replaces it
            s.write(WriteBatch.builder("api").executions(List.of(a)).build());
            assertEquals(2L, s.counts().get("executions"));
        }
    }

    @Test
    void exportsEveryTableToParquet() throws Exception {
        try (DuckDbStore s = loaded()) {
            Map<Path, Long> files = s.exportParquet(dir.resolve("export"));
            assertEquals(4, files.size());
            Path usage = dir.resolve("export").resolve("usage.parquet").toAbsolutePath();
            assertEquals(s.counts().get("usage"), files.get(usage));
            assertTrue(Files.size(usage) > 1000);
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                 ResultSet rs = c.createStatement().executeQuery(
                         "SELECT count(DISTINCT user_id), max(cpu) FROM read_parquet('" + usage + "')")) {
                rs.next();
                assertEquals(3, rs.getInt(1));
                assertTrue(rs.getDouble(2) > 0);
            }
        }
    }

    @Test
    void aFailingBatchCommitsNothing() {
        try (DuckDbStore s = DuckDbStore.open(DuckDbStore.Options.defaults(dir.resolve("t.duckdb")).retries(2, Duration.ofMillis(1)))) {
            // the quarantine row violates NOT NULL (no reason) after the usage rows were appended
            WriteBatch bad = WriteBatch.builder("bitbrains").usage(trace.users().values())
                    .quarantine(List.of(new QuarantinedRecord("x", 1, "u", null, "raw"))).build();
            StoreWriteException e = assertThrows(StoreWriteException.class, () -> s.write(bad));
            assertEquals(bad.rows(), e.rows());
            assertTrue(e.getMessage().contains("after 2 attempts"), e.getMessage());
            assertEquals(0L, s.counts().get("usage"), "usage of the failed batch must be rolled back");
            assertEquals(0L, s.counts().get("quarantine"));
            // the store still works afterwards
            s.write(WriteBatch.builder("bitbrains").usage(trace.users().values()).build());
            assertTrue(s.counts().get("usage") > 0);
        }
    }

    @Test
    void writesToReadOnlyOrClosedStoreAreRetriedThenReported() {
        Path f = dir.resolve("ro.duckdb");
        DuckDbStore.open(f).close();
        WriteBatch batch = WriteBatch.builder("bitbrains").usage(trace.users().values()).build();
        try (DuckDbStore ro = DuckDbStore.open(DuckDbStore.Options.defaults(f).readOnly(true).retries(3, Duration.ofMillis(1)))) {
            StoreWriteException e = assertThrows(StoreWriteException.class, () -> ro.write(batch));
            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
        DuckDbStore closed = DuckDbStore.open(DuckDbStore.Options.defaults(f).retries(2, Duration.ofMillis(1)));
        closed.close();
        StoreWriteException e = assertThrows(StoreWriteException.class, () -> closed.write(batch));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        try (DuckDbStore again = DuckDbStore.open(f)) {
            assertEquals(0L, again.counts().get("usage"));
        }
    }

    @Test
    void badQueriesAreRejectedWithTheCause() {
        try (DuckDbStore s = DuckDbStore.open(dir.resolve("q.duckdb"))) {
            assertThrows(IllegalArgumentException.class, () -> s.series("u", 100, 100, 300));
            assertThrows(IllegalArgumentException.class, () -> s.series("u", 0, 100, 0));
            UserSeries empty = s.series("nobody", 0, 900, 300);
            assertEquals(3, empty.size());
            assertTrue(Double.isNaN(empty.usage(Resource.CPU, 0)));
        }
        StoreException e = assertThrows(StoreException.class,
                () -> DuckDbStore.open(DuckDbStore.Options.defaults(dir.resolve("missing.duckdb")).readOnly(true)));
        assertTrue(e.getMessage().contains("does not exist"));
    }
}
