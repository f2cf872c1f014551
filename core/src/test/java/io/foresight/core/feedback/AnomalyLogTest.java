package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnomalyLogTest {
    @TempDir
    Path dir;

    private static Anomaly a(String user, long at) {
        return new Anomaly(user, Resource.CPU, at, 7, Anomaly.Kind.SPIKE, 4, 1, 0.2, 15, "cpu spike: test");
    }

    @Test
    void appendsAndFiltersByUserAndTime() {
        AnomalyLog log = new AnomalyLog(dir.resolve("sub/anomalies.jsonl"));
        assertTrue(log.read(null, Long.MIN_VALUE).isEmpty(), "a missing log is empty");
        log.append(List.of(a("u1", 100), a("u2", 200)));
        log.append(List.of(a("u1", 300)));
        assertEquals(3, log.read(null, Long.MIN_VALUE).size());
        assertEquals(List.of(a("u1", 100), a("u1", 300)), log.read("u1", Long.MIN_VALUE));
        assertEquals(List.of(a("u1", 300)), log.read("u1", 250));
    }

    @Test
    void corruptLineIsNamed() throws Exception {
        AnomalyLog log = new AnomalyLog(dir.resolve("a.jsonl"));
        log.append(List.of(a("u1", 100)));
        Files.writeString(log.file(), "{not json\n", StandardOpenOption.APPEND);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.read(null, 0));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
