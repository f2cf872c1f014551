package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** bench loop's summaries: which cycles count as warm-up, and p50/p90 of the rest. */
class BenchCommandTest {
    @Test
    void percentilesAreNearestRankWithTheLowerMiddleAsMedian() {
        BenchCommand.Stats s = BenchCommand.Stats.of(new double[] {5, 1, 4, 2, 3, 10, 6, 8, 7, 9});
        assertEquals(10, s.n());
        assertEquals(5, s.p50()); // lower middle of 10 values
        assertEquals(9, s.p90()); // 9 of 10 values are <= 9
        assertEquals(7, BenchCommand.Stats.of(new double[] {7}).p90());
    }

    @Test
    void steadyStateLeavesOutTheWarmUpCyclesAndSaysHowMany() {
        // wall times fall as the JIT warms: 30 s (histories built), 9, 7, then 3, 4, 2 s
        long[] walls = {30_000, 9_000, 7_000, 3_000, 4_000, 2_000};
        List<BenchCommand.Cycle> cycles = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < walls.length; i++) {
            Map<String, long[]> stages = new LinkedHashMap<>();
            stages.put("Collect", new long[] {t, t + walls[i] / 2});
            stages.put("CheckPoolPolicy", new long[] {t + walls[i] / 2, t + walls[i]});
            cycles.add(new BenchCommand.Cycle(i, t, t + walls[i], stages, 100, 20_000));
            t += walls[i] + 1_000;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // one CPU-second per wall second: CPU per cycle equals its wall time
        BenchCommand.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), cycles, 3, (from, to) -> (to - from) * 1_000_000L,
                "the worker process");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("after the first cycle (5 cycles): wall p50 4000 ms, p90 9000 ms; CPU p50 4000 ms, p90 9000 ms"), out);
        assertTrue(out.contains("steady state (cycles 3-5, 3 warm-up cycle(s) left out): wall p50 3000 ms, p90 4000 ms; "
                + "CPU p50 3000 ms, p90 4000 ms per cycle"), out);
        // the policy stage's CPU: half of each cycle, p50 of cycles 3-5 is 1,500 ms
        assertTrue(out.lines().anyMatch(l -> l.startsWith("p50>=3") && l.contains(" 1500 ")), out);
    }

    @Test
    void thePoolIsSplitIntoTeamsOfTheGivenSizesInItsOrder() {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            users.add("u" + i);
        }
        io.foresight.core.engine.UserDirectory teams = BenchCommand.Loop.teams(users, "50,100,150,200");
        assertEquals("team-0000", teams.entry("u0").team());
        assertEquals("team-0000", teams.entry("u49").team());
        assertEquals("team-0001", teams.entry("u50").team());
        assertEquals("team-0002", teams.entry("u150").team());
        assertEquals("team-0003", teams.entry("u300").team());
        assertEquals("team-0004", teams.entry("u500").team()); // the sizes repeat: 50 again
        assertEquals("team-0005", teams.entry("u550").team());
        assertTrue(BenchCommand.Loop.describe(users, teams).startsWith("8 team(s) of 50 to 200 users (mean 125)"),
                BenchCommand.Loop.describe(users, teams));
        assertEquals("default", BenchCommand.Loop.teams(users, "0").entry("u999").team());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BenchCommand.Loop.teams(users, "50,x"));
    }
}
