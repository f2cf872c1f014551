package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed Bitbrains input is quarantined with its reason or counted as a repair. */
class BitbrainsValidationTest {
    static final long T0 = 1_000_000_200L;

    @Test
    void quarantinesAndRepairsEachCase() {
        Trace t = BitbrainsReader.read(List.of(SwfReaderTest.resource("bitbrains/malformed.csv")));
        ValidationReport r = t.report();
        assertEquals(Map.of(
                "wrong type: column cpu_usage_mhz is not a number ('abc')", 1L,
                "negative cpu_usage_mhz", 1L,
                "NaN or infinite cpu_usage_mhz", 1L,
                "cpu usage above capacity beyond tolerance", 1L,
                "no provisioned CPU (cpu_cores or cpu_capacity_mhz is 0)", 1L,
                "malformed line: 4 fields instead of 11", 1L), r.reasonTotals());
        assertEquals(Map.of(
                "sorted out-of-order sample", 3L,
                "dropped duplicate sample of the same 5-minute slot", 1L,
                "filled short gap (<= 3 steps) with last value", 2L), r.repairTotals());
        assertEquals(6, r.acceptedTotal());
        assertEquals(7, r.quarantinedRecords().get(0).line());
        assertTrue(r.quarantinedRecords().get(0).raw().endsWith("1,1000002000,2,4000,abc,1048576,524288,1024,0,0,2048"));

        UserSeries u1 = t.user("1");
        assertEquals(6, u1.size());
        // cores used = MHz used / (MHz capacity / cores); the 2 missing slots carry the last value forward
        assertArrayEquals(new double[] {0.5, 0.75, 1.0, 1.0, 1.0, 1.5}, u1.usageColumn(Resource.CPU), 1e-12);
        assertEquals(0.5, u1.usage(Resource.MEMORY, 0), 1e-12);
        assertEquals(2.0, u1.usage(Resource.NETWORK, 0), 1e-12);
        assertEquals(1.0, u1.usage(Resource.DISK, 0), 1e-12);
        assertEquals(2.0, u1.capacity(Resource.CPU, 0), 1e-12);
        // a 29-step gap is not invented: it stays NaN (not observed)
        UserSeries u2 = t.user("2");
        assertEquals(31, u2.size());
        assertTrue(Double.isNaN(u2.usage(Resource.CPU, 15)));
        assertEquals(T0 + 30 * 300, u2.timestamp(30));
    }

    @Test
    void wrongHeaderAndCorruptGzipAreClearErrors(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("x.csv"), "a,b,c\n1,2,3\n");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> BitbrainsReader.read(csv));
        assertTrue(e.getMessage().contains("is not a Bitbrains CSV") && e.getMessage().contains("Fix:"), e.getMessage());
        Path gz = Files.write(dir.resolve("y.csv.gz"), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3});
        assertThrows(TraceFormatException.class, () -> BitbrainsReader.read(gz));
    }

    @Test
    void theCommittedRealSliceIsClean() {
        Trace t = BitbrainsReader.read(List.of(TraceFormatTest.BITBRAINS_SLICE));
        assertEquals(20, t.users().size());
        assertEquals(80_584, t.report().acceptedTotal() + t.report().quarantinedTotal()
                + t.report().repairTotals().getOrDefault("dropped duplicate sample of the same 5-minute slot", 0L));
        assertEquals(0, t.report().quarantinedTotal());
        // varied, non-trivial demand: every VM's CPU moves
        for (UserSeries s : t.users().values()) {
            double min = Double.MAX_VALUE;
            double max = 0;
            for (double v : s.usageColumn(Resource.CPU)) {
                if (!Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            assertTrue(max > 2 * min + 0.1, s.user() + " cpu range " + min + ".." + max);
        }
    }
}
