package io.foresight.activities.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ResourceVector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedClusterTest {
    static final ResourceVector A = ResourceVector.of(1, 2, 0.5, 0.5);
    static final ResourceVector B = ResourceVector.of(3, 4, 0.5, 0.5);

    @TempDir
    Path dir;

    @Test
    void applyingTheSameKeyTwiceAppliesOnce() {
        SimulatedCluster c = new SimulatedCluster(dir);
        Actuator.ApplyResult first = c.apply("p", "p/0/0", 0, Map.of("u1", A));
        Actuator.ApplyResult again = c.apply("p", "p/0/0", 0, Map.of("u1", B));

        assertEquals(new Actuator.ApplyResult(1, false), first);
        assertEquals(new Actuator.ApplyResult(0, true), again);
        assertEquals(A, c.current("p", "u1").orElseThrow(), "the duplicate must not change the allocation");
        assertEquals(1, c.entries("p").size());
    }

    @Test
    void aRestartedWorkerSeesEarlierAppliesAndDoesNotRepeatThem() {
        new SimulatedCluster(dir).apply("p", "p/0/0", 0, Map.of("u1", A, "u2", B));
        SimulatedCluster restarted = new SimulatedCluster(dir);

        assertEquals(B, restarted.current("p", "u2").orElseThrow());
        assertTrue(restarted.apply("p", "p/0/0", 0, Map.of("u1", B)).duplicate());
        assertFalse(restarted.apply("p", "p/1/0", 1, Map.of("u1", B)).duplicate());
        assertEquals(B, restarted.current("p", "u1").orElseThrow());
        assertEquals(2, restarted.entries("p").size());
    }

    @Test
    void twoProcessesSharingTheJournalApplyAKeyOnce() {
        SimulatedCluster w1 = new SimulatedCluster(dir);
        SimulatedCluster w2 = new SimulatedCluster(dir); // e.g. a retry on another worker while the first lives on
        w1.current("p", "u1");
        w2.current("p", "u1");
        assertFalse(w1.apply("p", "p/3/0", 3, Map.of("u1", A)).duplicate());
        assertTrue(w2.apply("p", "p/3/0", 3, Map.of("u1", B)).duplicate());
        assertEquals(A, w2.current("p", "u1").orElseThrow());
    }

    @Test
    void crashDuringTheJournalWriteMeansNotAppliedAndTheRetryAppliesOnce() throws Exception {
        SimulatedCluster before = new SimulatedCluster(dir);
        before.apply("p", "p/0/0", 0, Map.of("u1", A));
        // the worker died half-way through writing the line of key p/1/0: a torn, unterminated tail
        Files.writeString(before.journal("p"), "{\"key\":\"p/1/0\",\"cycle\":1,\"allocations\":{\"u1\":[3.0,4",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        SimulatedCluster after = new SimulatedCluster(dir);
        assertEquals(A, after.current("p", "u1").orElseThrow(), "the torn apply did not happen");
        assertFalse(after.apply("p", "p/1/0", 1, Map.of("u1", B)).duplicate(), "the retry applies it");
        assertTrue(after.apply("p", "p/1/0", 1, Map.of("u1", B)).duplicate());
        assertEquals(2, after.entries("p").size(), "torn line cut off, each key journaled once");
        assertEquals(B, new SimulatedCluster(dir).current("p", "u1").orElseThrow());
    }

    @Test
    void crashAfterTheJournalWriteMeansAppliedAndTheRetryIsADuplicate() {
        // the line is durable but the worker died before reporting completion: Temporal retries the activity
        new SimulatedCluster(dir).apply("p", "p/5/1", 5, Map.of("u9", B));
        SimulatedCluster retry = new SimulatedCluster(dir);
        assertTrue(retry.apply("p", "p/5/1", 5, Map.of("u9", B)).duplicate());
        assertEquals(1, retry.entries("p").size());
    }

    @Test
    void aCorruptCompleteLineIsReportedNotSilentlyDropped() throws Exception {
        SimulatedCluster c = new SimulatedCluster(dir);
        c.apply("p", "p/0/0", 0, Map.of("u1", A));
        Files.writeString(c.journal("p"), "garbage\n", StandardOpenOption.APPEND);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SimulatedCluster(dir).current("p", "u1"));
        assertTrue(e.getMessage().contains("corrupt cluster journal line"), e.getMessage());
    }

    @Test
    void unknownUserHasNoAllocation() {
        assertTrue(new SimulatedCluster(dir).current("p", "nobody").isEmpty());
    }
}
