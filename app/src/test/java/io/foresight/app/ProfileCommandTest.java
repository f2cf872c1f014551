package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileCommandTest {
    /** Four idle days, then six days of heavy around-the-clock CPU: the profile must follow the change. */
    @Test
    void theProfileAdaptsWhenBehaviourChangesAndConfidenceRebuilds() {
        int days = 10;
        int n = days * 288;
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] c = new double[Resource.COUNT][n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_372_636_800L + 300L * i;
            boolean busy = i >= 4 * 288;
            u[0][i] = busy ? 6 + Math.sin(i / 10.0) : 0.01;
            u[1][i] = busy ? 8 : 0.2;
            u[2][i] = 0.01;
            u[3][i] = 0.01;
            c[0][i] = 8;
            c[1][i] = 16;
            c[2][i] = Double.NaN;
            c[3][i] = Double.NaN;
        }
        List<UserProfile> v = ProfileCommand.versions(new UserSeries("u", 300, ts, u, c));
        assertEquals(days, v.size(), "one version per day");
        assertEquals(Pattern.IDLE, v.get(2).pattern());
        Pattern last = v.get(days - 1).pattern();
        assertNotEquals(Pattern.IDLE, last, "heavy use is not idle");
        assertTrue(v.get(days - 1).confidence() > v.get(5).confidence() || v.get(5).pattern() != last,
                "confidence in the new pattern grows as it persists");
        for (int i = 1; i < v.size(); i++) {
            assertEquals(v.get(i - 1).version() + 1, v.get(i).version(), "versions increase by one");
        }
    }
}
