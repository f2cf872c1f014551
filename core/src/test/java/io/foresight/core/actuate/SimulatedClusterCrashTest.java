package io.foresight.core.actuate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ResourceVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two worker processes apply the same keys against one journal, as Temporal retries do when a worker
 * is presumed dead but still running; one is killed with SIGKILL half-way. Every key must be applied
 * exactly once, and the journal must stay readable.
 */
class SimulatedClusterCrashTest {
    static final int KEYS = 300;
    static final int USERS = 7;

    static ResourceVector valueOf(int k) {
        return ResourceVector.of(k % 11 + 1, k % 5 + 1, 1, 1);
    }

    /** Child process: applies keys 0..KEYS-1 in order, then exits. */
    public static void main(String[] args) {
        SimulatedCluster c = new SimulatedCluster(Path.of(args[0]));
        for (int k = 0; k < KEYS; k++) {
            c.apply(new ApplyRequest("p", k, "p/" + k + "/0", k * 300L,
                    List.of(new UserAllocation("u" + (k % USERS), valueOf(k), false))));
        }
    }

    @Test
    void twoWorkersOneKilledApplyEveryKeyOnce(@TempDir Path dir) throws Exception {
        Path cluster = dir.resolve("cluster");
        Process doomed = start(cluster, dir.resolve("doomed.log"));
        Process survivor = start(cluster, dir.resolve("survivor.log"));
        try {
            Path journal = cluster.resolve("p").resolve(SimulatedCluster.JOURNAL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(journal) || Files.readAllLines(journal).size() < KEYS / 4) {
                assertTrue(doomed.isAlive() || Files.readAllLines(journal).size() >= KEYS, () -> "child died: " + log(dir));
                assertTrue(System.nanoTime() < deadline, "children made no progress");
                Thread.sleep(5);
            }
            doomed.destroyForcibly(); // SIGKILL on Unix, possibly in the middle of a write
            assertTrue(survivor.waitFor(60, TimeUnit.SECONDS), "the survivor did not finish");
            assertEquals(0, survivor.exitValue(), () -> log(dir));
        } finally {
            doomed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            survivor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        SimulatedCluster after = new SimulatedCluster(cluster);
        List<SimulatedCluster.Entry> entries = after.entries("p");
        Set<String> keys = new HashSet<>();
        for (SimulatedCluster.Entry e : entries) {
            assertTrue(keys.add(e.key()), "key applied twice: " + e.key());
        }
        assertEquals(KEYS, keys.size(), "every key applied");
        for (int u = 0; u < USERS; u++) {
            int last = KEYS - 1 - Math.floorMod(KEYS - 1 - u, USERS);
            assertEquals(valueOf(last), after.current("p", "u" + u).orElseThrow().allocation(), "user u" + u);
        }
    }

    private static Process start(Path cluster, Path log) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SimulatedClusterCrashTest.class.getName(), cluster.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("doomed.log")) + Files.readString(dir.resolve("survivor.log"));
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }
}
