package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The part switches evaluate's --on, --off and --ablations use: each name switches exactly its own part. */
class PartsTest {
    @Test
    void eachNameSwitchesOnlyItsOwnPart() {
        CycleEngine.Parts d = CycleEngine.Parts.DEFAULTS;
        for (String name : d.named().keySet()) {
            Map<String, Boolean> on = d.with(name).named();
            Map<String, Boolean> off = d.without(name).named();
            assertTrue(on.get(name), name);
            assertFalse(off.get(name), name);
            for (String other : d.named().keySet()) {
                if (!other.equals(name)) {
                    assertEquals(d.named().get(other), on.get(other), name + " on changed " + other);
                    assertEquals(d.named().get(other), off.get(other), name + " off changed " + other);
                }
            }
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CycleEngine.Parts.DEFAULTS.with("calendar"));
        assertTrue(e.getMessage().contains("unknown part 'calendar': use any of profiles,"), e.getMessage());
    }
}
