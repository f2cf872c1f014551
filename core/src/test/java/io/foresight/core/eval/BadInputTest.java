package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.trace.TraceFormatException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @Test
    void unknownPolicyNamesTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Policies.parse("vpa,kpa"));
        assertTrue(e.getMessage().contains("unknown policy 'kpa'") && e.getMessage().contains("autopilot"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Policies.parse("vpa,vpa"));
        assertThrows(IllegalArgumentException.class, () -> Policies.parse(" , "));
        assertEquals(List.of("vpa", "oracle"), Policies.parse("VPA, oracle"));
    }

    @Test
    void testWindowTooShortForAPolicy() {
        var t = EvaluatorTest.trace(EvaluatorTest.series("u", 0, new double[5], new double[5]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Policies.checkTestLength(List.of("vpa", "autopilot"), t, Policies.ForesightSettings.defaults()));
        assertTrue(e.getMessage().contains("'autopilot' needs at least 12"), e.getMessage());
        Policies.checkTestLength(List.of("vpa", "hpa"), t, Policies.ForesightSettings.defaults());
    }

    @Test
    void wrongFormatIsNamed(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "a,b,c\n1,2,3\n");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceFiles.check("--train", List.of(csv)));
        assertTrue(e.getMessage().contains("neither a Bitbrains CSV nor an SWF"), e.getMessage());
        Path missing = dir.resolve("nope.csv");
        assertThrows(TraceFormatException.class, () -> TraceFiles.check("--test", List.of(missing)));
        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "");
        assertThrows(TraceFormatException.class, () -> TraceFiles.detect(empty));
    }

    @Test
    void swfIsDetectedByContentEvenGzipped(@TempDir Path dir) throws Exception {
        Path swf = dir.resolve("log.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(swf))) {
            o.write("; Version: 2.2\n1 0 10 100 1 -1 -1 1 -1 -1 1 5 1 -1 -1 -1 -1 -1\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(TraceFiles.Format.SWF, TraceFiles.detect(swf));
        boolean readerPresent;
        try {
            Class.forName(TraceFiles.SWF_READER);
            readerPresent = true;
        } catch (ClassNotFoundException e) {
            readerPresent = false;
        }
        if (!readerPresent) {
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceFiles.check("--train", List.of(swf)));
            assertTrue(e.getMessage().contains("SWF job logs are not supported by this build yet"), e.getMessage());
        }
        Path bb = dir.resolve("bb.csv");
        Files.writeString(bb, io.foresight.core.trace.BitbrainsReader.HEADER + "\n");
        assertThrows(TraceFormatException.class, () -> TraceFiles.check("--train", List.of(bb, swf)));
    }
}
