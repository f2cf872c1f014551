package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Azure 2017 sample is read CPU-only into the same {@link Trace}, its bad rows quarantined with a reason. */
class AzureReaderTest {
    static final Path AZURE_SLICE = Path.of("..", "data", "azure-slice", "azure2017-first-14d_12vms.csv.gz");

    @Test
    void realSliceIsReadCpuOnlyWithTheOtherResourcesNotObserved() {
        Trace t = AzureReader.read(List.of(AZURE_SLICE));
        assertEquals(AzureReader.SOURCE, t.report().source());
        assertEquals(12, t.users().size());
        assertEquals(12 * 4032, t.report().acceptedTotal());
        assertEquals(0, t.report().quarantinedTotal());
        assertEquals(300, t.stepSeconds());
        UserSeries first = t.user("az_1023330");
        assertEquals(4032, first.size());
        assertEquals(1483228800L, first.timestamp(0));
        // first row: 26.245 MHz of 2600 MHz on 1 core = CPU 1.0094 % of one core
        assertEquals(26.245 / 2600, first.usage(Resource.CPU, 0), 1e-12);
        assertEquals(1.0, first.capacity(Resource.CPU, 0), 0);
        for (UserSeries s : t.users().values()) {
            for (Resource r : List.of(Resource.MEMORY, Resource.NETWORK, Resource.DISK)) {
                for (int i = 0; i < s.size(); i++) {
                    assertTrue(Double.isNaN(s.usage(r, i)) && Double.isNaN(s.capacity(r, i)),
                            s.user() + " " + r + " at " + i + " must be not observed, not " + s.usage(r, i));
                }
            }
            double max = 0;
            for (double v : s.usageColumn(Resource.CPU)) {
                assertFalse(Double.isNaN(v), s.user());
                assertTrue(v >= 0 && v <= 1.1, s.user() + " cpu " + v);
                max = Math.max(max, v);
            }
            assertTrue(max > 0, s.user() + " has CPU demand");
        }
    }

    @Test
    void detectedByContentWhereverTracesAreRead() {
        assertEquals(TraceFormat.AZURE2017, TraceFormat.detect(AZURE_SLICE));
        assertEquals(TraceFormat.BITBRAINS, TraceFormat.detect(TraceFormatTest.BITBRAINS_SLICE));
        assertTrue(AzureReader.looksLike(AZURE_SLICE));
        assertFalse(BitbrainsReader.looksLike(AZURE_SLICE));
        Trace viaFormat = TraceFormat.read(List.of(AZURE_SLICE));
        assertEquals(AzureReader.SOURCE, viaFormat.report().source());
        assertTrue(Double.isNaN(viaFormat.user("az_1061").usage(Resource.MEMORY, 5)));
        // a direct BitbrainsReader call on the sample does not turn its placeholder zeros into zero demand
        Trace direct = BitbrainsReader.read(List.of(AZURE_SLICE), 2);
        assertEquals(AzureReader.SOURCE, direct.report().source());
        assertTrue(Double.isNaN(direct.user("az_1023330").usage(Resource.MEMORY, 0)));
        assertEquals(io.foresight.core.eval.TraceFiles.Format.AZURE2017, io.foresight.core.eval.TraceFiles.detect(AZURE_SLICE));
        assertEquals(TraceFormat.AZURE2017.sourceName(), AzureReader.SOURCE);
    }

    @Test
    void rejectedRowsAreKeptWithTheirReason() {
        Trace t = AzureReader.read(List.of(SwfReaderTest.resource("traceformat/azure-malformed.csv")));
        ValidationReport r = t.report();
        assertEquals(Map.of(
                "wrong type: column cpu_usage_mhz is not a number ('abc')", 1L,
                "nonzero mem_capacity_kb: the Azure 2017 sample has CPU only (memory, disk and network columns are 0)", 1L,
                "nonzero net_rx_kbs: the Azure 2017 sample has CPU only (memory, disk and network columns are 0)", 1L,
                "cpu usage above capacity beyond tolerance", 1L,
                "negative cpu_usage_mhz", 1L,
                "malformed line: 4 fields instead of 11", 1L), r.reasonTotals());
        assertEquals(6, r.quarantinedTotal());
        assertEquals(5, r.acceptedTotal());
        assertTrue(r.quarantinedRecords().stream().anyMatch(q -> q.line() == 5 && q.user().equals("az_1")
                && q.raw().endsWith("az_1,1483229700,1,2600,520,4096,2048,0,0,0,0")));
        // az_1: a 4-step hole is not invented (NaN); az_2: a 2-step hole is carried forward and counted
        assertArrayEquals(new double[] {26.245 / 2600, 0.5, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 1.0},
                t.user("az_1").usageColumn(Resource.CPU), 1e-12);
        assertArrayEquals(new double[] {0.05, 0.05, 0.05, 0.15}, t.user("az_2").usageColumn(Resource.CPU), 1e-12);
        assertEquals(Map.of("filled short gap (<= 3 steps) with last value", 2L), r.repairTotals());
    }

    @Test
    void aBitbrainsFileIsNotTakenForTheAzureSample() {
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> AzureReader.read(List.of(TraceFormatTest.BITBRAINS_SLICE)));
        assertTrue(e.getMessage().contains("not the Azure 2017 sample") && e.getMessage().contains("Fix:"), e.getMessage());
        TraceFormatException mixed = assertThrows(TraceFormatException.class,
                () -> TraceFormat.read(List.of(TraceFormatTest.BITBRAINS_SLICE, AZURE_SLICE)));
        assertTrue(mixed.getMessage().contains("one trace must come from one format"), mixed.getMessage());
    }
}
