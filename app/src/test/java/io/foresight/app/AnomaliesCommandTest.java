package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AnomaliesCommandTest {
    @TempDir
    Path dir;

    /** The real VM 22 slice with CPU raised by 2 cores (of its 4) for the hour from row {@code from}. */
    private Path injectedTrace(int from) throws Exception {
        List<String> lines = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                getClass().getResourceAsStream("/bitbrains/vm22-10d.csv.gz")), StandardCharsets.UTF_8))) {
            String l;
            while ((l = in.readLine()) != null) {
                lines.add(l);
            }
        }
        for (int row = from; row < from + 12; row++) {
            String[] f = lines.get(row).split(",");
            double mhzPerCore = Double.parseDouble(f[3]) / Double.parseDouble(f[2]);
            f[4] = Double.toString(Double.parseDouble(f[4]) + 2 * mhzPerCore);
            lines.set(row, String.join(",", f));
        }
        Path p = dir.resolve("vm22-injected.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new AnomaliesCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("foresight: " + e.getMessage());
            return 2;
        });
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void detectsInjectedSpikeInTraceAndStoresIt() throws Exception {
        int row = 1 + 8 * 288 + 14 * 12; // data rows start at line 1 (after the header)
        Path trace = injectedTrace(row);
        Path log = dir.resolve("anomalies.jsonl");
        String[] r = run("--trace", trace.toString(), "--log", log.toString(), "--append");
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        long spikes = out.lines().filter(l -> l.contains("user=22") && l.contains("cpu") && l.contains("spike")
                && l.contains("MADs above")).count();
        assertTrue(spikes >= 10, "the injected hour is reported: " + out);
        assertTrue(out.contains("(appended to " + log + ")"), out);

        String[] listed = run("--log", log.toString(), "--user", "22", "--since", "2013-07-09");
        assertEquals("0", listed[0], listed[2]);
        assertTrue(listed[1].lines().filter(l -> l.contains("spike")).count() >= 10, listed[1]);
        assertTrue(listed[1].lines().allMatch(l -> !l.startsWith("2013-07-0") || l.startsWith("2013-07-09")),
                "--since filters out earlier days: " + listed[1]);
        String[] other = run("--log", log.toString(), "--user", "nobody");
        assertTrue(other[1].contains("0 anomalies"), other[1]);
    }

    @Test
    void clearErrors() {
        String[] r = run("--log", dir.resolve("none.jsonl").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no anomaly log at") && r[2].contains("--trace"), r[2]);
        String[] bad = run("--log", dir.resolve("none.jsonl").toString(), "--since", "yesterday");
        assertTrue(bad[2].contains("is not a time"), bad[2]);
    }

    @Test
    void registeredInTheCli() {
        assertTrue(new CommandLine(new ForesightCli()).getSubcommands().containsKey("anomalies"));
    }

    @Test
    void parsesSince() {
        Instant now = Instant.parse("2026-01-02T00:00:00Z");
        assertEquals(Long.MIN_VALUE, AnomaliesCommand.parseSince(null, now));
        assertEquals(now.getEpochSecond() - 86400, AnomaliesCommand.parseSince("24h", now));
        assertEquals(now.getEpochSecond() - 7 * 86400, AnomaliesCommand.parseSince("7d", now));
        assertEquals(1373328000L, AnomaliesCommand.parseSince("2013-07-09", now));
        assertEquals(1373378400L, AnomaliesCommand.parseSince("2013-07-09T14:00:00Z", now));
        assertEquals(42L, AnomaliesCommand.parseSince("42", now));
    }
}
