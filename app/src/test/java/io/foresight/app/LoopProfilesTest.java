package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.activities.controlloop.TraceUsageSource;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.engine.UserDirectory;
import io.foresight.core.model.Tier;
import io.foresight.workflows.controlloop.ControlLoopActivities;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop's activities keep profiles on the real slice; {@code foresight profile} shows the versions they wrote. */
class LoopProfilesTest {
    static final String POOL = "profiles";

    @TempDir
    Path state;

    @Test
    void theLoopPublishesEachVersionOnceEvenWhenPredictIsRetriedAndProfileShowsThem() throws Exception {
        Path slice = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        UserDirectory users = new UserDirectory(new UserDirectory.Entry("research", Tier.STANDARD, true),
                Map.of("41", new UserDirectory.Entry("web", Tier.PREMIUM, false)));
        ControlWorkerConfig cfg = ControlWorkerConfig.defaults(state)
                .withUsageSources(TraceUsageSource.resolver(4 * 288))
                .withMetrics(new PrometheusRegistry())
                .withActuator(new SimulatedCluster(state.resolve("cluster")))
                .withProfiles(users::base);
        ControlLoopActivitiesImpl loop = new ControlLoopActivitiesImpl(cfg, io.foresight.core.engine.CycleEngine.Parts.ALL);
        String source = "trace:" + slice;
        int n = loop.describePool(POOL, source).users();
        int cycles = 36;
        Map<String, Integer> patterns = Map.of();
        for (long c = 0; c < cycles; c++) {
            ShardTask t = ShardTask.of(POOL, source, c, 0, n);
            ControlLoopActivities.CollectResult col = loop.collect(t);
            loop.predict(t, col.ref());
            ControlLoopActivities.PredictResult p = loop.predict(t, col.ref()); // a retried activity
            ControlLoopActivities.PlanResult plan = loop.plan(t, p.ref());
            patterns = plan.patterns();
            ControlLoopActivities.PoolPolicyResult d = loop.checkPoolPolicy(POOL, source, c, 1, n, AllocationMode.ENFORCE, false);
            loop.allocate(t, d.decisionRefs().get(0), d.waitingByShard().get(0));
        }
        assertEquals(n, patterns.values().stream().mapToInt(Integer::intValue).sum(), "every user has a pattern: " + patterns);
        assertTrue(!patterns.containsKey("UNKNOWN"), "four days of history name every user: " + patterns);

        List<String> lines = Files.readAllLines(state.resolve(ControlLoopActivitiesImpl.profileVersionsRef(POOL)));
        java.util.Set<String> distinctAll = new java.util.HashSet<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : lines) {
            ProfileState v = json.readValue(line, ProfileState.class);
            distinctAll.add(v.user() + "/" + v.version());
        }
        assertEquals(2 * distinctAll.size(), lines.size(),
                "the retried predict published the same versions again, no new ones (starts from the state before)");
        for (String user : List.of("41", "55", "232")) {
            List<ProfileState> v = ProfileCommand.loopVersions(state, user);
            assertTrue(!v.isEmpty(), user);
            for (int i = 0; i < v.size(); i++) {
                assertEquals(i + 1, v.get(i).version(), "versions of " + user + " count one per change, retries included");
            }
            assertEquals(user.equals("41") ? "web" : "research", v.get(v.size() - 1).team());
            assertEquals("pattern-rules/1", v.get(0).models().get("pattern"));
        }
        assertEquals(List.of(), ProfileCommand.loopVersions(state, "no-such-user"));
    }
}
