package io.foresight.core.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ResourceVector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durability and idempotency of the journal: what the loop relies on across crashes and concurrent workers. */
class SimulatedClusterJournalTest {
    static final ResourceVector A = ResourceVector.of(1, 2, 0.5, 0.5);
    static final ResourceVector B = ResourceVector.of(3, 4, 0.5, 0.5);

    @TempDir
    Path dir;

    static ApplyRequest req(String key, long cycle, Map<String, ResourceVector> targets) {
        List<UserAllocation> a = new ArrayList<>();
        targets.forEach((u, v) -> a.add(new UserAllocation(u, v, false)));
        return new ApplyRequest("p", cycle, key, cycle * 300, a);
    }

    static ResourceVector cur(SimulatedCluster c, String user) {
        return c.current("p", user).orElseThrow().allocation();
    }

    @Test
    void applyingTheSameKeyTwiceAppliesOnceAndReplaysTheFirstResult() {
        SimulatedCluster c = new SimulatedCluster(dir);
        ApplyResult first = c.apply(req("p/0/0", 0, Map.of("u1", A)));
        ApplyResult again = c.apply(req("p/0/0", 0, Map.of("u1", B)));

        assertFalse(first.replayed());
        assertTrue(again.replayed());
        assertEquals(first.applied(), again.applied(), "the replay reports what the first apply did");
        assertEquals(List.of(new UserAllocation("u1", ResourceVector.ZERO, false)), again.previous());
        assertEquals(A, cur(c, "u1"), "the duplicate must not change the allocation");
        assertEquals(1, c.entries("p").size());
    }

    @Test
    void aRestartedWorkerSeesEarlierAppliesAndDoesNotRepeatThem() {
        new SimulatedCluster(dir).apply(req("p/0/0", 0, Map.of("u1", A, "u2", B)));
        SimulatedCluster restarted = new SimulatedCluster(dir);

        assertEquals(B, cur(restarted, "u2"));
        assertTrue(restarted.apply(req("p/0/0", 0, Map.of("u1", B))).replayed());
        ApplyResult next = restarted.apply(req("p/1/0", 1, Map.of("u1", B)));
        assertFalse(next.replayed());
        assertEquals(A, next.previous().get(0).allocation(), "the previous allocation comes from the journal");
        assertEquals(B, cur(restarted, "u1"));
        assertEquals(2, restarted.entries("p").size());
    }

    @Test
    void twoProcessesSharingTheJournalApplyAKeyOnce() {
        SimulatedCluster w1 = new SimulatedCluster(dir);
        SimulatedCluster w2 = new SimulatedCluster(dir); // e.g. a retry on another worker while the first lives on
        w1.current("p", "u1");
        w2.current("p", "u1");
        assertFalse(w1.apply(req("p/3/0", 3, Map.of("u1", A))).replayed());
        assertTrue(w2.apply(req("p/3/0", 3, Map.of("u1", B))).replayed());
        assertEquals(A, cur(w2, "u1"));
    }

    @Test
    void crashDuringTheJournalWriteMeansNotAppliedAndTheRetryAppliesOnce() throws Exception {
        SimulatedCluster before = new SimulatedCluster(dir);
        before.apply(req("p/0/0", 0, Map.of("u1", A)));
        // the worker died half-way through writing the line of key p/1/0: a torn, unterminated tail
        Files.writeString(before.journal("p"), "{\"key\":\"p/1/0\",\"cycle\":1,\"allocations\":{\"u1\":[3.0,4",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        SimulatedCluster after = new SimulatedCluster(dir);
        assertEquals(A, cur(after, "u1"), "the torn apply did not happen");
        assertFalse(after.apply(req("p/1/0", 1, Map.of("u1", B))).replayed(), "the retry applies it");
        assertTrue(after.apply(req("p/1/0", 1, Map.of("u1", B))).replayed());
        assertEquals(2, after.entries("p").size(), "torn line cut off, each key journaled once");
        assertEquals(B, cur(new SimulatedCluster(dir), "u1"));
    }

    @Test
    void crashAfterTheJournalWriteMeansAppliedAndTheRetryIsADuplicate() {
        // the line is durable but the worker died before reporting completion: Temporal retries the activity
        new SimulatedCluster(dir).apply(req("p/5/1", 5, Map.of("u9", B)));
        SimulatedCluster retry = new SimulatedCluster(dir);
        assertTrue(retry.apply(req("p/5/1", 5, Map.of("u9", B))).replayed());
        assertEquals(1, retry.entries("p").size());
    }

    @Test
    void aJournalWrittenBeforeLeadTimesAndCompensationStillReads() throws Exception {
        Path f = dir.resolve("p").resolve("applied.jsonl");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"key\":\"p/0/0\",\"cycle\":0,\"allocations\":{\"u1\":[1.0,2.0,\"NaN\",0.5]}}\n");
        SimulatedCluster c = new SimulatedCluster(dir);
        ResourceVector v = cur(c, "u1");
        assertEquals(1.0, v.cpu());
        assertTrue(Double.isNaN(v.network()), "an unknown resource stays unknown");
        assertTrue(c.apply(req("p/0/0", 0, Map.of("u1", B))).replayed());
    }

    @Test
    void aCorruptCompleteLineIsReportedNotSilentlyDropped() throws Exception {
        SimulatedCluster c = new SimulatedCluster(dir);
        c.apply(req("p/0/0", 0, Map.of("u1", A)));
        Files.writeString(c.journal("p"), "garbage\n", StandardOpenOption.APPEND);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SimulatedCluster(dir).current("p", "u1"));
        assertTrue(e.getMessage().contains("corrupt cluster journal line"), e.getMessage());
    }

    @Test
    void workersWithDifferentSettingsOnOneJournalAreRefused() {
        new SimulatedCluster(dir).apply(req("p/0/0", 0, Map.of("u1", A)));
        SimulatedCluster other = new SimulatedCluster(dir, SimulatedCluster.Config.defaults().withLeadSeconds(300, 0, 0, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.current("p", "u1"));
        assertTrue(e.getMessage().contains("use the same settings in every worker"), e.getMessage());
    }

    @Test
    void unknownUserHasNoAllocation() {
        assertTrue(new SimulatedCluster(dir).current("p", "nobody").isEmpty());
    }
}
