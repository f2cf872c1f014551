package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.Resource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwfReaderTest {
    static final long T0 = 1_000_000_200L;

    static Path resource(String name) {
        try {
            return Path.of(SwfReaderTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void quarantinesEveryMalformedJobWithItsReason() {
        SwfReader.Log log = SwfReader.readLog(List.of(resource("swf/malformed.swf")));
        ValidationReport rep = log.report();
        assertEquals(3, log.records().size());
        assertEquals(3, rep.acceptedTotal());
        assertEquals(7, rep.quarantinedTotal());
        Map<Long, String> byLine = rep.quarantinedRecords().stream()
                .collect(Collectors.toMap(ValidationReport.QuarantinedRecord::line, ValidationReport.QuarantinedRecord::reason));
        assertEquals("missing user (user id -1)", byLine.get(7L));
        assertEquals("negative runtime (-50)", byLine.get(8L));
        assertTrue(byLine.get(9L).startsWith("cancelled before it ran"), byLine.get(9L));
        assertEquals("wrong type: run time is not a number ('abc')", byLine.get(10L));
        assertEquals("malformed line: 7 fields instead of 18", byLine.get(11L));
        assertEquals("duplicate job number 2 (first seen on line 6)", byLine.get(12L));
        assertEquals("unknown runtime (-1)", byLine.get(14L));
        // the raw line is kept verbatim, prefixed with its file
        assertTrue(rep.quarantinedRecords().get(0).raw().startsWith("malformed.swf: "));
        assertEquals(2, rep.repairTotals().get("wait time unknown (-1): job taken to start at submit"));
        assertEquals(1, rep.repairTotals().get("allocated processors unknown: used requested processors"));
    }

    @Test
    void buildsExecutionRecordsWithAbsoluteTimes() {
        List<ExecutionRecord> rs = SwfReader.readLog(List.of(resource("swf/malformed.swf"))).records();
        ExecutionRecord j2 = rs.get(1);
        assertEquals("2", j2.jobId());
        assertEquals("8", j2.user());
        assertEquals(T0 + 60, j2.submitTime());
        assertEquals(30, j2.waitSeconds());
        assertEquals(300, j2.runSeconds());
        assertEquals(ExecutionRecord.Status.COMPLETED, j2.status());
        assertEquals("exe-3", j2.program());
        assertEquals("queue-2", j2.queue());
        ExecutionRecord j8 = rs.get(2);
        assertEquals(4.0, j8.resources().cpu());
        assertEquals(ExecutionRecord.Status.FAILED, j8.status());
        assertEquals(List.of("2"), j8.dependsOn());
        assertTrue(Double.isNaN(j8.resources().memory()));
    }

    @Test
    void derivesTimeWeightedCoresPerUserPerFiveMinutes() {
        Trace t = SwfReader.read(List.of(resource("swf/malformed.swf")));
        assertEquals(List.of("7", "8", "9"), t.userIds());
        UserSeries u7 = t.user("7");
        assertArrayEquals(new long[] {T0, T0 + 300, T0 + 600, T0 + 900}, u7.timestamps());
        assertArrayEquals(new double[] {2, 2, 0, 0}, u7.usageColumn(Resource.CPU), 1e-9);
        assertArrayEquals(new double[] {0.7, 0.3, 0, 0}, t.user("8").usageColumn(Resource.CPU), 1e-9);
        assertArrayEquals(new double[] {4 * 200 / 300.0, 4, 4, 4 * 100 / 300.0}, t.user("9").usageColumn(Resource.CPU), 1e-9);
        assertTrue(Double.isNaN(u7.usage(Resource.MEMORY, 0)), "SWF without memory field has no memory demand");
        assertTrue(Double.isNaN(u7.usage(Resource.NETWORK, 0)));
        assertTrue(Double.isNaN(u7.usage(Resource.DISK, 0)));
    }

    @Test
    void usesMemoryFieldWhenEveryJobOfTheUserHasIt(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mem.swf.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
            o.write(("; UnixStartTime: 0\n"
                    + "1 0 0 300 2 -1 1048576 2 -1 -1 1 5 1 -1 -1 -1 -1 -1\n").getBytes());
        }
        Trace t = SwfReader.read(List.of(f));
        // 1 GiB per processor x 2 processors for the whole first step
        assertEquals(2.0, t.user("5").usage(Resource.MEMORY, 0), 1e-9);
        assertEquals(2.0, t.user("5").usage(Resource.CPU, 0), 1e-9);
    }

    @Test
    void sameJobInTwoFilesIsQuarantinedOnce() {
        Path f = resource("swf/malformed.swf");
        SwfReader.Log log = SwfReader.readLog(List.of(f, f));
        assertEquals(3, log.records().size());
        assertEquals(7 + 7 + 3, log.report().quarantinedTotal());
        assertTrue(log.report().reasonTotals().keySet().stream().anyMatch(r -> r.contains("already read from an earlier file")));
    }

    @Test
    void clearErrorsForMissingEmptyAndCsvFiles(@TempDir Path dir) throws IOException {
        TraceFormatException missing = assertThrows(TraceFormatException.class,
                () -> SwfReader.read(List.of(dir.resolve("nope.swf"))));
        assertTrue(missing.getMessage().contains("job log not found"), missing.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.swf"), "; only a header\n");
        assertTrue(assertThrows(TraceFormatException.class, () -> SwfReader.read(List.of(empty)))
                .getMessage().contains("has no jobs"));
        Path csv = Files.writeString(dir.resolve("x.swf"), "a,b,c\n");
        assertTrue(assertThrows(TraceFormatException.class, () -> SwfReader.read(List.of(csv)))
                .getMessage().contains("is not an SWF job log"));
        assertThrows(TraceFormatException.class, () -> SwfReader.read(List.of()));
    }

    @Test
    void readsTheCommittedRealLcgSlice() {
        Path slice = Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz");
        SwfReader.Log log = SwfReader.readLog(List.of(slice));
        // the slice is the first 3 days of LCG: 47,774 jobs (scripts/make-slices.sh)
        assertEquals(47_774, log.records().size() + log.report().quarantinedTotal());
        assertTrue(log.records().size() > 47_000, "almost all real jobs are valid");
        Trace t = SwfReader.toTrace(log);
        assertEquals(124, t.users().size() + (int) log.report().perUser().keySet().stream()
                .filter(u -> !t.users().containsKey(u)).count());
        // cores in use never negative, and somebody is busy
        double peak = 0;
        for (UserSeries s : t.users().values()) {
            for (double v : s.usageColumn(Resource.CPU)) {
                assertTrue(v >= -1e-9, "negative demand for " + s.user());
                peak = Math.max(peak, v);
            }
        }
        assertTrue(peak > 10, "peak per-user demand " + peak);
        // demand integrates back to the core-seconds of the jobs
        double coreSeconds = log.records().stream().mapToDouble(r -> r.resources().cpu() * r.runSeconds()).sum();
        double fromTrace = t.users().values().stream()
                .mapToDouble(s -> java.util.Arrays.stream(s.usageColumn(Resource.CPU)).sum() * 300).sum();
        assertEquals(coreSeconds, fromTrace, coreSeconds * 1e-9);
    }
}
