package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;

/**
 * Fuzzes the trace readers with rows that are mostly plausible and partly hostile (absurd numbers,
 * garbage, wrong field counts, overflowing times): a file is either read, with every row accepted,
 * repaired or quarantined with a reason, or refused as a whole with {@link TraceFormatException};
 * no other exception escapes.
 * Seeds are fixed so the suite is repeatable (a counterexample found once stays found); change one to explore.
 */
class TraceReaderPropertiesTest {

    /** A number as it may appear in a trace: usually ordinary, sometimes extreme or not a number. */
    private static Arbitrary<String> plain() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 5000).map(String::valueOf),
                Arbitraries.integers().between(0, 5000).map(String::valueOf),
                Arbitraries.integers().between(0, 5000).map(String::valueOf),
                Arbitraries.doubles().between(0, 1e6).map(String::valueOf),
                Arbitraries.of("-1", "-5", "0", "1e308", "-1e308", "1e400", "NaN", "Infinity", "-Infinity", "abc", "",
                        " ", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e18", "4e18",
                        "0x1p3", "1d", "١٢٣", "\u0000", "1,5"));
    }

    private static Arbitrary<String> timestamp() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1_372_636_800L, 1_372_636_800L + 30L * 86_400).map(String::valueOf),
                Arbitraries.longs().between(1_372_636_800L, 1_372_636_800L + 30L * 86_400).map(String::valueOf),
                plain());
    }

    @Provide
    Arbitrary<List<String>> bitbrainsRows() {
        Arbitrary<String> row = Combinators.combine(Arbitraries.of("1", "2", "3", "vm-7", ""), timestamp(),
                plain().list().ofSize(9)).as((vm, ts, rest) -> vm + "," + ts + "," + String.join(",", rest));
        Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(60);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, row),
                net.jqwik.api.Tuple.of(1, garbage),
                net.jqwik.api.Tuple.of(1, plain().list().ofMinSize(0).ofMaxSize(14).map(l -> String.join(",", l))))
                .list().ofMaxSize(40);
    }

    static Path write(String content) {
        try {
            Path f = Files.createTempFile("fuzz", ".csv");
            Files.writeString(f, content, StandardCharsets.UTF_8);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void everyQuarantinedRowHasAReason(ValidationReport r) {
        for (ValidationReport.QuarantinedRecord q : r.quarantinedRecords()) {
            assertFalse(q.reason() == null || q.reason().isBlank(), "no reason for line " + q.line() + ": " + q.raw());
        }
    }

    @Property(tries = 300, seed = "20261131")
    void bitbrainsRowsAreReadOrQuarantinedWithAReason(@ForAll("bitbrainsRows") List<String> rows) {
        Path f = write(BitbrainsReader.HEADER + "\n" + String.join("\n", rows) + "\n");
        try {
            Trace t = BitbrainsReader.read(f);
            ValidationReport r = t.report();
            everyQuarantinedRowHasAReason(r);
            // lines as the reader reads them: a generated string may hold a '\r', which ends a line too
            long dataRows = java.util.Arrays.stream(String.join("\n", rows).split("\r\n|\r|\n", -1))
                    .filter(s -> !s.isBlank()).count();
            long duplicates = r.repairTotals().getOrDefault("dropped duplicate sample of the same 5-minute slot", 0L);
            assertEquals(dataRows, r.acceptedTotal() + r.quarantinedTotal() + duplicates,
                    "every row is accepted, dropped as a counted duplicate, or quarantined");
            for (UserSeries u : t.users().values()) {
                assertTrue(u.size() <= BitbrainsReader.MAX_SPAN_SECONDS / BitbrainsReader.STEP_SECONDS + 1,
                        "a VM's grid is bounded: " + u.size() + " slots");
            }
        } catch (TraceFormatException e) {
            assertFalse(e.getMessage().isBlank());
        } finally {
            f.toFile().delete();
        }
    }

    @Provide
    Arbitrary<List<String>> swfRows() {
        Arbitrary<String> small = Arbitraries.integers().between(-1, 400).map(String::valueOf);
        Arbitrary<String> field = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, small), net.jqwik.api.Tuple.of(1, plain()));
        Arbitrary<String> row = Combinators.combine(Arbitraries.integers().between(1, 30).map(String::valueOf),
                        field.list().ofSize(17))
                .as((id, rest) -> id + " " + String.join(" ", rest));
        Arbitrary<String> odd = Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789 -.e\t").ofMaxLength(60),
                field.list().ofMaxSize(20).map(l -> String.join(" ", l)));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, row), net.jqwik.api.Tuple.of(2, odd)).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 300, seed = "20261132")
    void swfJobsAreReadOrQuarantinedWithAReason(@ForAll("swfRows") List<String> rows,
                                                @ForAll("header") String header) {
        Path f = write(header + String.join("\n", rows) + "\n");
        try {
            SwfReader.Log log = SwfReader.readLog(List.of(f));
            ValidationReport r = log.report();
            everyQuarantinedRowHasAReason(r);
            long dataRows = rows.stream().filter(s -> !s.isBlank()).count();
            assertEquals(dataRows, log.records().size() + r.quarantinedTotal(), "every job is kept or quarantined");
            Trace t = SwfReader.toTrace(log);
            assertEquals(t.users().size(), log.records().stream().map(x -> x.user()).distinct().count());
        } catch (TraceFormatException e) {
            assertFalse(e.getMessage().isBlank());
        } finally {
            f.toFile().delete();
        }
    }

    @Provide
    Arbitrary<String> header() {
        return Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.just("; UnixStartTime: 1000000000\n"),
                Arbitraries.of("0", "-1", "9223372036854775807", "4102444800", "x", "1e3")
                        .map(v -> "; Version: 2.2\n; UnixStartTime: " + v + "\n"));
    }

    // The bugs the properties found, pinned as examples.

    @net.jqwik.api.Example
    void oneFarTimestampIsQuarantinedInsteadOfStretchingTheVmOverDecades() {
        String ok = ",2,4000,1000,1048576,524288,0,0,0,0";
        Path f = write(BitbrainsReader.HEADER + "\n1,1372636800" + ok + "\n1,1372637100" + ok + "\n1,1372637400" + ok
                + "\n1,4000000000" + ok + "\n1,5000000000" + ok + "\n");
        Trace t = BitbrainsReader.read(f);
        assertEquals(3, t.user("1").size(), "the grid covers the three real samples only");
        ValidationReport r = t.report();
        assertEquals(2, r.quarantinedTotal());
        assertTrue(r.reasonTotals().keySet().stream().anyMatch(x -> x.startsWith("timestamp after 2100")), r.reasonTotals().toString());
        assertTrue(r.reasonTotals().keySet().stream().anyMatch(x -> x.contains("days away from the VM's other samples")),
                r.reasonTotals().toString());
    }

    @net.jqwik.api.Example
    void anOverflowingSwfJobIsQuarantinedAndAnAbsurdHeaderRefused() {
        String job = " 1 0 0 %s 1 -1 -1 -1 -1 -1 1 7 -1 -1 -1 -1 -1 -1";
        Path f = write("; UnixStartTime: 1000000000\n" + String.format(job, "600") + "\n" + String.format(job, "9223372036854775807")
                .replaceFirst(" 1 ", " 2 ") + "\n");
        SwfReader.Log log = SwfReader.readLog(List.of(f));
        assertEquals(1, log.records().size());
        assertTrue(log.report().quarantinedRecords().get(0).reason().startsWith("implausible run time"),
                log.report().quarantinedRecords().get(0).reason());
        Path header = write("; UnixStartTime: 9223372036854775807\n" + String.format(job, "600") + "\n");
        TraceFormatException e = org.junit.jupiter.api.Assertions.assertThrows(TraceFormatException.class,
                () -> SwfReader.readLog(List.of(header)));
        assertTrue(e.getMessage().contains("UnixStartTime") && e.getMessage().contains("Fix:"), e.getMessage());
    }
}
