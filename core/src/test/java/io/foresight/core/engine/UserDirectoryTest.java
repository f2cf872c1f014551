package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class UserDirectoryTest {
    static Properties props(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    @Test
    void listedUsersGetTheirTeamTierAndSpotOthersTheDefaults() throws Exception {
        UserDirectory d = UserDirectory.parse(props("""
                default.team=research
                default.spot=true
                user.vm1.team=web
                user.vm1.tier=premium
                user.vm1.spot=false
                user.vm2.tier=BEST_EFFORT
                """), "test");
        UserProfile vm1 = d.base("vm1");
        assertEquals("web", vm1.team());
        assertEquals(Tier.PREMIUM, vm1.tier());
        assertTrue(!vm1.spotAllowed());
        assertEquals(Pattern.UNKNOWN, vm1.pattern());
        UserProfile vm2 = d.base("vm2");
        assertEquals("research", vm2.team(), "unset fields fall back to the defaults");
        assertEquals(Tier.BEST_EFFORT, vm2.tier());
        assertTrue(vm2.spotAllowed());
        assertEquals(new UserDirectory.Entry("research", Tier.STANDARD, true), d.entry("other"));
    }

    @Test
    void badKeysAndValuesFailNamingTheFix() {
        var e = assertThrows(IllegalArgumentException.class, () -> UserDirectory.parse(props("user.vm1.tier=GOLD"), "f"));
        assertTrue(e.getMessage().contains("user.vm1.tier=GOLD") && e.getMessage().contains("Fix"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UserDirectory.parse(props("user.vm1.colour=red"), "f"));
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UserDirectory.parse(props("default.spot=maybe"), "f"));
        assertTrue(e.getMessage().contains("true or false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UserDirectory.parse(props("teams=x"), "f"));
        assertTrue(e.getMessage().contains("unknown key 'teams'"), e.getMessage());
    }
}
