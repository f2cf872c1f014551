package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.collect.store.DuckDbStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {
    static final Path BB_SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
    static final Path LCG_SLICE = Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ForesightCli());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("foresight: " + e.getMessage());
            return 2;
        });
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String res(String name) {
        try {
            return Path.of(DataCommandTest.class.getResource("/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void checkReportsBothFormatsPerSourceAndUserWithReasons() {
        Run r = run("data", "check", res("malformed.swf") + "," + res("malformed-bitbrains.csv"));
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        assertTrue(o.contains("== source swf (SWF)"), o);
        assertTrue(o.contains("TOTAL accepted 3, repaired 3, quarantined 7"), o);
        assertTrue(o.contains("missing user (user id -1)"), o);
        assertTrue(o.contains("== source bitbrains (BITBRAINS)"), o);
        assertTrue(o.contains("TOTAL accepted 1, repaired 0, quarantined 3"), o);
        assertTrue(o.contains("negative cpu_usage_mhz"), o);
        assertTrue(o.contains("malformed line: 4 fields instead of 11"), o);
    }

    @Test
    void manyUsersAreCutToTopNUnlessAll() {
        String o = run("data", "check", LCG_SLICE.toString(), "--top", "5").out();
        assertTrue(o.contains("... 119 more users (use --all to list them)"), o);
        String all = run("data", "check", LCG_SLICE.toString(), "--all").out();
        assertTrue(!all.contains("more users"), all);
        assertTrue(all.lines().count() > 124, "one line per user");
    }

    @Test
    void unknownFileFailsWithCauseAndFix(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("x.csv"), "a,b\n");
        Run r = run("data", "check", f.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("neither a Bitbrains CSV") && r.err().contains("Fix:"), r.err());
    }

    @Test
    void loadWritesUsageJobsAndQuarantineToTheStore(@TempDir Path dir) {
        Run r = run("data", "load", res("malformed.swf") + "," + BB_SLICE, "--store", dir.toString());
        assertEquals(0, r.code(), r.err());
        try (DuckDbStore s = DuckDbStore.open(DuckDbStore.Options.defaults(dir.resolve("foresight.duckdb")).readOnly(true))) {
            Map<String, Long> c = s.counts();
            assertEquals(3L, c.get("executions"));
            assertEquals(7L, c.get("quarantine"));
            assertTrue(c.get("usage") > 80_000, c.toString());
            assertEquals("missing user (user id -1)", s.quarantined("swf", 1).get(0).reason());
        }
        Path export = dir.resolve("parquet");
        Run e = run("data", "export", "--store", dir.toString(), "--to", export.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.exists(export.resolve("usage.parquet")));
    }

    @Test
    void checkFailsWhenEveryRowIsMalformed(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("bad.csv"), Files.readAllLines(Path.of(res("malformed-bitbrains.csv"))).get(0)
                + "\n1,1000000500,2,4000,-5,1048576,524288,1024,0,0,2048\n2,1000000200,2,4000\n");
        Run r = run("data", "check", f.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("TOTAL accepted 0, repaired 0, quarantined 2"), r.out());
        assertTrue(r.err().contains("no usable row in source") && r.err().contains("Fix:"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        // one usable row is enough for success
        assertEquals(0, run("data", "check", res("malformed-bitbrains.csv")).code());
    }
}
