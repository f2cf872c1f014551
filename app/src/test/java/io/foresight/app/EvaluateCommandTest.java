package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `evaluate` on the repo's real slice: time split, the model the loop would serve, one-line errors. */
class EvaluateCommandTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");

    @TempDir
    Path out;

    static int run(StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new ForesightCli()).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((e, c, p) -> {
                    c.getErr().println(e.getMessage());
                    return 2;
                });
        return cmd.execute(args);
    }

    @Test
    void splitsOneTraceInTimeAndScoresTheChosenModelThroughTheLoopsEngine() throws Exception {
        StringWriter err = new StringWriter();
        int code = run(err, "evaluate", "--train", SLICE.toString(), "--split-at", "10", "--users", "3",
                "--warmup-days", "3", "--policies", "static,vpa,foresight", "--model", "recent-median", "--out", out.toString());
        assertEquals(0, code, err.toString());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        String text = summary.toString();
        assertTrue(text.contains("recent-median"), "the model's version is in the report: " + text);
        assertTrue(text.contains("CycleEngine"), "foresight runs through the loop's engine: " + text);
        // the test part is the last 4 of the 14 days
        Trace all = BitbrainsReader.read(SLICE);
        long cut = EvaluateCommand.cutAt("10", all);
        Trace[] parts = EvaluateCommand.split(all, cut);
        String u = all.userIds().get(0);
        assertEquals(all.user(u).size(), parts[0].user(u).size() + parts[1].user(u).size(), "no interval lost or doubled");
        assertTrue(parts[1].user(u).timestamp(0) >= cut && parts[0].user(u).timestamp(parts[0].user(u).size() - 1) < cut);
    }

    @Test
    void testAndSplitTogetherOrNeitherIsAOneLineErrorWithTheFix() {
        StringWriter err = new StringWriter();
        assertNotEquals(0, run(err, "evaluate", "--train", SLICE.toString(), "--out", out.toString()));
        assertTrue(err.toString().contains("pass either --test FILE or --split-at"), err.toString());
        StringWriter err2 = new StringWriter();
        assertNotEquals(0, run(err2, "evaluate", "--train", SLICE.toString(), "--split-at", "someday", "--out", out.toString()));
        assertTrue(err2.toString().contains("Fix: e.g. --split-at 10"), err2.toString());
    }

    @Test
    void coldStartHoldsOutASeededShareAndReportsPopulationStartAgainstDefaults() throws Exception {
        Trace all = BitbrainsReader.read(SLICE);
        Trace[] parts = EvaluateCommand.split(all, EvaluateCommand.cutAt("10", all));
        java.util.List<String> a = EvaluateCommand.holdOut(parts[0], parts[1], 0.25, 7);
        assertEquals(5, a.size(), "a quarter of the 20 VMs");
        assertEquals(a, EvaluateCommand.holdOut(parts[0], parts[1], 0.25, 7), "seeded");
        assertNotEquals(a, EvaluateCommand.holdOut(parts[0], parts[1], 0.25, 8));

        StringWriter err = new StringWriter();
        int code = run(err, "evaluate", "--train", SLICE.toString(), "--split-at", "10", "--users", "8",
                "--warmup-days", "3", "--policies", "vpa,foresight", "--cold-start-share", "0.5", "--ablations",
                "--off", "spot", "--model", "blend", "--out", out.toString());
        assertEquals(0, code, err.toString());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(4, summary.at("/cold_start_held_out/users").size(), summary.toString());
        JsonNode cold = summary.get("cold_start");
        for (String p : new String[] {"vpa", "foresight", "foresight without cold-start", "foresight without profiles"}) {
            assertTrue(cold.has(p) && cold.get(p).get("user_intervals").asLong() > 0, p + " over the held-out users: " + cold);
        }
        assertTrue(summary.at("/ablations/cold-start/cost").asDouble() > 0, summary.toString());
        assertTrue(summary.toString().contains("population/1"), "the population the cold users start from is reported");
        StringWriter bad = new StringWriter();
        assertNotEquals(0, run(bad, "evaluate", "--train", SLICE.toString(), "--split-at", "10", "--cold-start-share", "1",
                "--out", out.toString()));
        assertTrue(bad.toString().contains("--cold-start-share must be in [0,1)"), bad.toString());
    }
}
