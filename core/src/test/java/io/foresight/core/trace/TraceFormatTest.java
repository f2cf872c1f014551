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

class TraceFormatTest {
    static final Path BITBRAINS_SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static final Path LCG_SLICE = Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz");

    @Test
    void detectsByContentNotByName() {
        assertEquals(TraceFormat.BITBRAINS, TraceFormat.detect(SwfReaderTest.resource("traceformat/tiny-bitbrains.csv")));
        assertEquals(TraceFormat.SWF, TraceFormat.detect(SwfReaderTest.resource("swf/malformed.swf")));
        assertEquals(TraceFormat.BITBRAINS, TraceFormat.detect(BITBRAINS_SLICE));
        assertEquals(TraceFormat.SWF, TraceFormat.detect(LCG_SLICE));
    }

    @Test
    void swfWithoutHeaderIsStillDetected(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("jobs.txt"), "1 0 0 300 2 -1 -1 2 -1 -1 1 5 1 -1 -1 -1 -1 -1\n");
        assertEquals(TraceFormat.SWF, TraceFormat.detect(f));
    }

    @Test
    void unknownFormatNamesBothAcceptedFormats() {
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceFormat.detect(SwfReaderTest.resource("traceformat/unknown.csv")));
        assertTrue(e.getMessage().contains("neither a Bitbrains CSV"), e.getMessage());
        assertTrue(e.getMessage().contains("SWF"), e.getMessage());
    }

    @Test
    void mixingFormatsIsRejected() {
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceFormat.read(List.of(BITBRAINS_SLICE, LCG_SLICE)));
        assertTrue(e.getMessage().contains("one trace must come from one format"), e.getMessage());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        assertTrue(assertThrows(TraceFormatException.class, () -> TraceFormat.read(List.of(dir.resolve("x"))))
                .getMessage().contains("not found"));
    }

    @Test
    void dispatchesToTheRightReader() {
        Trace bb = TraceFormat.read(List.of(BITBRAINS_SLICE));
        assertEquals(20, bb.users().size());
        assertEquals("bitbrains", bb.report().source());
        // 14 days of 5-minute steps per VM
        for (UserSeries s : bb.users().values()) {
            assertTrue(s.size() >= 4000 && s.size() <= 4032, s.user() + " has " + s.size());
            assertTrue(s.usage(Resource.MEMORY, 10) >= 0 || Double.isNaN(s.usage(Resource.MEMORY, 10)));
        }
        Trace swf = TraceFormat.read(List.of(LCG_SLICE));
        assertEquals("swf", swf.report().source());
        assertTrue(swf.users().size() > 100);
    }
}
