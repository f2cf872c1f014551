package io.foresight.rules.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzes thresholds.json: the bundled file with random parts removed or replaced by values of the wrong
 * type or range, and plain garbage. Parsing either succeeds or fails with {@link
 * PolicyThresholds.InvalidThresholdsException} carrying a non-empty reason; nothing else escapes.
 * Seeds are fixed so the suite is repeatable (a counterexample found once stays found); change one to explore.
 */
class PolicyThresholdsPropertiesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BUNDLED = bundled();

    static String bundled() {
        try (InputStream in = PolicyThresholds.class.getResourceAsStream("/io/foresight/rules/policy/thresholds.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One edit: which node (by index into the document's nodes), and what to put there (null = remove it). */
    record Edit(int target, String replacement) {}

    static final List<String> VALUES = List.of("null", "\"\"", "\"abc\"", "-1", "0", "1", "1e308", "-1e308", "\"NaN\"",
            "[]", "{}", "[1,2]", "{\"cpu\":-1}", "{\"gpu\":1}", "{\"cpu\":\"x\"}", "true", "\"MONDAY\"", "\"25:00\"",
            "\"24:00\"", "\"BATCH\"", "\"PREMIUM\"", "{\"min\":{\"cpu\":100}}", "{\"max\":{\"cpu\":0}}",
            "[\"FUNDAY\"]", "{\"days\":[\"SUNDAY\"]}", "{\"maxCostPerHour\":0}", "99999999999999999999999");

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<String> replacement = Arbitraries.oneOf(Arbitraries.of(VALUES), Arbitraries.just((String) null));
        return Combinators.combine(Arbitraries.integers().between(0, 500), replacement).as(Edit::new).list().ofMinSize(1).ofMaxSize(4);
    }

    /** Every (container, key-or-index) slot of the tree, in document order. */
    static void slots(JsonNode n, List<Object[]> out) {
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                out.add(new Object[] {o, f});
                slots(o.get(f), out);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Object[] {a, i});
                slots(a.get(i), out);
            }
        }
    }

    static String apply(List<Edit> edits) throws IOException {
        JsonNode root = JSON.readTree(BUNDLED);
        for (Edit e : edits) {
            List<Object[]> s = new ArrayList<>();
            slots(root, s);
            if (s.isEmpty()) {
                break;
            }
            Object[] slot = s.get(e.target() % s.size());
            JsonNode value = e.replacement() == null ? null : JSON.readTree(e.replacement());
            if (slot[0] instanceof ObjectNode o) {
                if (value == null) {
                    o.remove((String) slot[1]);
                } else {
                    o.set((String) slot[1], value);
                }
            } else {
                ArrayNode a = (ArrayNode) slot[0];
                if (value == null) {
                    a.remove((Integer) slot[1]);
                } else {
                    a.set((Integer) slot[1], value);
                }
            }
        }
        return JSON.writeValueAsString(root);
    }

    static void parsesOrSaysWhy(String json) {
        try {
            assertNotNull(PolicyThresholds.parse(json));
            net.jqwik.api.statistics.Statistics.collect("parsed");
        } catch (PolicyThresholds.InvalidThresholdsException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a rejection without a reason for " + json);
            net.jqwik.api.statistics.Statistics.collect("rejected");
        }
    }

    @Property(tries = 500, seed = "20261131")
    void editedThresholdsParseOrAreRejectedWithAReason(@ForAll("edits") List<Edit> edits) throws IOException {
        parsesOrSaysWhy(apply(edits));
        // the edits must exercise both outcomes, or the property proves nothing
        net.jqwik.api.statistics.Statistics.coverage(c -> {
            c.check("parsed").count(n -> n > 0);
            c.check("rejected").count(n -> n > 0);
        });
    }

    @Property(tries = 200, seed = "20261132")
    void garbageIsRejectedWithAReason(@ForAll("garbage") String text) {
        parsesOrSaysWhy(text);
    }

    @Provide
    Arbitrary<String> garbage() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(80),
                Arbitraries.strings().withChars("{}[]\":,0123456789.-e tiersminax").ofMaxLength(80),
                Arbitraries.integers().between(1, 3000).map(d -> "[".repeat(d) + "]".repeat(d)),
                Arbitraries.integers().between(0, BUNDLED.length()).map(i -> BUNDLED.substring(0, i)));
    }
}
