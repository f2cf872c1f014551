package io.foresight.app.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever text a pool file holds, reading it either succeeds or fails with one line naming the file, a real line and a fix. */
class PoolFileProperties {
    static final Path FILE = Path.of("/pools/p.yaml");
    static final Pattern LINE = Pattern.compile("^" + Pattern.quote(FILE.toString()) + ":(\\d+): .*\\. Fix: .+$");

    @Provide
    Arbitrary<String> poolFileText() {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of(List.copyOf(PoolFile.keyNames())),
                Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz.-_ :#=").ofMaxLength(12));
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("a", "prometheus:http://h:9090", "prometheus:nope", "trace:missing.csv", "store:x", "5m",
                        "0", "-1", "dry-run", "enforce", "simulated", "kubernetes", "'quoted'", "\"unterminated", "[1, 2]",
                        "up # c", "2013-07-05T00:00:00Z", "1e9", "NaN", ""),
                Arbitraries.strings().ofMaxLength(20));
        Arbitrary<String> line = Arbitraries.oneOf(
                net.jqwik.api.Combinators.combine(key, value).as((k, v) -> k + ": " + v),
                net.jqwik.api.Combinators.combine(key, value).as((k, v) -> "  " + k + ": " + v),
                Arbitraries.of("# comment", "", "---", "pool: a", "source: prometheus:http://h:9090", "prometheus.query.cpu: up"),
                Arbitraries.strings().ofMaxLength(30));
        return line.list().ofMaxSize(12).map(l -> String.join("\n", l));
    }

    @Property(tries = 400)
    void badInputIsOneLineNamingALineOfTheFile(@ForAll("poolFileText") String text) {
        int lines = Math.max(1, (int) text.lines().count());
        try {
            PoolFile p = PoolFile.parse(FILE, text, true);
            assertFalse(p.pool().isBlank());
            assertTrue(p.dataSource().startsWith("prometheus:") || p.dataSource().startsWith("trace:"));
        } catch (PoolFileException e) {
            String m = e.getMessage();
            assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
            Matcher at = LINE.matcher(m);
            assertTrue(at.matches(), "file:line ... Fix: ...: " + m);
            int n = Integer.parseInt(at.group(1));
            assertTrue(n >= 1 && n <= lines, "line " + n + " of " + lines + ": " + m);
        }
    }

    @Property(tries = 200)
    void propertiesAndYamlSpellingsReadTheSame(@ForAll("shardSizes") int shards) {
        String yaml = "pool: a\nsource: prometheus:http://h:9090\nprometheus.query.cpu: up\nshard-size: " + shards + "\n";
        String props = "pool=a\nsource=prometheus:http://h:9090\nprometheus.query.cpu=up\nshard-size=" + shards + "\n";
        PoolFile y = PoolFile.parse(FILE, yaml, true);
        PoolFile p = PoolFile.parse(Path.of("/pools/p.properties"), props, false);
        assertEquals(y.dataSource(), p.dataSource());
        assertEquals(shards, p.shardSize());
        assertEquals(y.shardSize(), p.shardSize());
    }

    @Provide
    Arbitrary<Integer> shardSizes() {
        return Arbitraries.integers().between(1, 100_000);
    }
}
