package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BitbrainsReaderTest {
    @TempDir
    Path dir;

    private Path csv(String... rows) throws IOException {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, BitbrainsReader.HEADER + "\n" + String.join("\n", rows) + "\n");
        return f;
    }

    @Test
    void convertsUnitsToCoresGibAndMegabytesPerSecond() throws IOException {
        Trace t = BitbrainsReader.read(csv("7,1000,4,8000,2000,2097152,1048576,512,512,1024,1024"));
        UserSeries s = t.user("7");
        assertEquals(1.0, s.usage(Resource.CPU, 0), 1e-12, "2000 MHz of 2000 MHz/core = 1 core");
        assertEquals(4.0, s.capacity(Resource.CPU, 0), 1e-12);
        assertEquals(1.0, s.usage(Resource.MEMORY, 0), 1e-12);
        assertEquals(2.0, s.capacity(Resource.MEMORY, 0), 1e-12);
        assertEquals(2.0, s.usage(Resource.NETWORK, 0), 1e-12);
        assertEquals(1.0, s.usage(Resource.DISK, 0), 1e-12);
    }

    @Test
    void quarantinesBadRowsWithReasonsAndKeepsTheRest() throws IOException {
        Trace t = BitbrainsReader.read(csv(
                "1,0,1,1000,500,1024,512,0,0,0,0",
                "1,300,1,1000,abc,1024,512,0,0,0,0",
                "1,600,1,1000,-5,1024,512,0,0,0,0",
                "1,900,1,1000,NaN,1024,512,0,0,0,0",
                "1,1200,1,1000,5000,1024,512,0,0,0,0",
                "1,1500,1,1000",
                "1,1800,1,1000,100,1024,512,0,0,0,0"));
        ValidationReport r = t.report();
        assertEquals(2, r.acceptedTotal());
        assertEquals(5, r.quarantinedTotal());
        assertEquals(5, r.quarantinedRecords().size(), "every rejected line is kept");
        assertTrue(r.reasonTotals().keySet().stream().anyMatch(k -> k.startsWith("wrong type")));
        assertTrue(r.reasonTotals().containsKey("negative cpu_usage_mhz"));
        assertTrue(r.reasonTotals().containsKey("cpu usage above capacity beyond tolerance"));
        assertTrue(r.reasonTotals().keySet().stream().anyMatch(k -> k.startsWith("malformed line")));
        // 7 slots from 0 to 1800; slots 1..5 are a gap of 5 steps: too long to fill, so NaN.
        UserSeries s = t.user("1");
        assertEquals(7, s.size());
        assertTrue(Double.isNaN(s.usage(Resource.CPU, 3)));
        assertEquals(0.1, s.usage(Resource.CPU, 6), 1e-12);
    }

    @Test
    void sortsDeduplicatesAndFillsShortGaps() throws IOException {
        Trace t = BitbrainsReader.read(csv(
                "1,600,1,1000,300,1024,0,0,0,0,0",
                "1,0,1,1000,100,1024,0,0,0,0,0",
                "1,1,1,1000,999,1024,0,0,0,0,0",
                "1,1200,1,1000,400,1024,0,0,0,0,0"));
        UserSeries s = t.user("1");
        assertEquals(5, s.size());
        assertEquals(0.1, s.usage(Resource.CPU, 0), 1e-12, "first of the duplicates wins");
        assertEquals(0.1, s.usage(Resource.CPU, 1), 1e-12, "one-step gap carried forward");
        assertEquals(0.3, s.usage(Resource.CPU, 2), 1e-12);
        assertEquals(0.3, s.usage(Resource.CPU, 3), 1e-12);
        var repairs = t.report().repairTotals();
        assertTrue(repairs.containsKey("sorted out-of-order sample"));
        assertEquals(1L, repairs.get("dropped duplicate sample of the same 5-minute slot"));
        assertEquals(2L, repairs.get("filled short gap (<= 3 steps) with last value"));
    }

    @Test
    void wrongHeaderAndMissingFileNameTheFix() throws IOException {
        Path f = dir.resolve("x.csv");
        Files.writeString(f, "a,b,c\n1,2,3\n");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> BitbrainsReader.read(f));
        assertTrue(e.getMessage().contains("is not a Bitbrains CSV") && e.getMessage().contains("Fix"), e.getMessage());
        TraceFormatException m = assertThrows(TraceFormatException.class, () -> BitbrainsReader.read(List.of(dir.resolve("nope.csv"))));
        assertTrue(m.getMessage().startsWith("trace file not found"), m.getMessage());
    }
}
