package io.foresight.core.actuate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ResourceVector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker killed with SIGKILL while saving never leaves an unreadable state file. */
class SimulatedClusterCrashTest {
    /** Child process: applies and saves in a tight loop until killed. */
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        SimulatedCluster c = new SimulatedCluster(SimulatedCluster.Config.defaults(), 0);
        for (long cycle = 0; ; cycle++) {
            c.apply(new ApplyRequest("p", cycle, "p/" + cycle, List.of(
                    new UserAllocation("u" + (cycle % 500), ResourceVector.of(cycle % 7, 1, 1, 1), false))));
            c.advanceTo(cycle * 300);
            c.save(file);
        }
    }

    @Test
    void killDashNineLeavesALoadableState(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cluster.json");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SimulatedClusterCrashTest.class.getName(), file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(file) || Files.size(file) < 20_000) {
                assertTrue(p.isAlive(), () -> "child died: " + readLog(dir));
                assertTrue(System.nanoTime() < deadline, "child made no progress");
                Thread.sleep(50);
            }
            Thread.sleep(300);
        } finally {
            p.destroyForcibly(); // SIGKILL on Unix
            p.waitFor(10, TimeUnit.SECONDS);
        }
        SimulatedCluster restored = SimulatedCluster.load(file);
        assertTrue(restored.now() > 0);
        assertTrue(restored.current("u1").isPresent());
    }

    private static String readLog(Path dir) {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }
}
