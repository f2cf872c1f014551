package io.foresight.collect.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.ValidationReport;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLoaderTest {
    @TempDir
    Path dir;

    @Test
    void everyRejectedLineIsPersistedEvenBeyondTheInMemoryCap() throws Exception {
        int bad = ValidationReport.KEEP_RECORDS + 50;
        Path f = dir.resolve("many-bad.csv");
        try (BufferedWriter w = Files.newBufferedWriter(f)) {
            w.write(BitbrainsReader.HEADER + "\n");
            for (int i = 0; i < 100; i++) {
                w.write("7," + (1_000_000_200L + 300L * i) + ",2,4000,1000,1048576,524288,0,0,0,0\n");
            }
            for (int i = 0; i < bad; i++) {
                w.write("8," + (1_000_000_200L + 300L * i) + ",0,0,0,1048576,524288,0,0,0,0\n");
            }
        }
        try (DuckDbStore s = DuckDbStore.open(dir.resolve("s.duckdb"))) {
            StoreLoader.Result r = new StoreLoader(s).loadFiles(List.of(f));
            assertEquals(bad, r.quarantined());
            assertEquals(0, r.quarantineNotKept());
            assertEquals(100, r.usageRows());
            assertEquals((long) bad, s.counts().get("quarantine"));
            var q = s.quarantined("bitbrains", 1);
            assertEquals("no provisioned CPU (cpu_cores or cpu_capacity_mhz is 0)", q.get(0).reason());
            assertEquals("8", q.get(0).user());
            assertTrue(q.get(0).raw().startsWith("many-bad.csv: 8,"));
        }
    }

    @Test
    void swfLoadsJobsAndDemand() {
        try (DuckDbStore s = DuckDbStore.open(dir.resolve("s.duckdb"))) {
            StoreLoader.Result r = new StoreLoader(s).loadFiles(List.of(Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz")));
            assertEquals(47_774, r.executions());
            assertEquals(124, r.users());
            assertEquals(47_774L, s.counts().get("executions"));
            // the busiest user's demand integrates to its jobs' core-seconds
            double coreSeconds = s.executions("1", 0, Long.MAX_VALUE).stream()
                    .mapToDouble(e -> e.resources().cpu() * e.runSeconds()).sum();
            UserStats st = s.userStats(0, Long.MAX_VALUE / 2).stream().filter(u -> u.user().equals("1")).findFirst().orElseThrow();
            assertEquals(coreSeconds, st.mean().cpu() * st.samples() * 300, coreSeconds * 1e-6);
        }
    }
}
