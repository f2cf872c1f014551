package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The profiler on the repo's real slice (14 days of 20 Bitbrains VMs). */
public class ProfilerTest {
    static final int DAY = 288;
    /** The stated bound: a change of behaviour moves the published pattern within one day of 5-minute cycles. */
    static final int MOVES_WITHIN_CYCLES = DAY;

    public static Trace slice() {
        Path p = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        assertTrue(p.toFile().isFile(), "the repo's real slice is missing: " + p.toAbsolutePath());
        return BitbrainsReader.read(p);
    }

    static Pattern dayPattern(UserSeries s, int day) {
        long from = s.timestamp(0) + (long) day * 86400;
        return PatternRules.name(UserFeatures.profile(s, from, from + 86400));
    }

    /** Days [from, to) all named p. */
    static boolean stable(UserSeries s, int from, int to, Pattern p) {
        for (int d = from; d < to; d++) {
            if (dayPattern(s, d) != p) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aChangeOfBehaviourOnRealDataMovesThePublishedPatternWithinADay() {
        Trace t = slice();
        int checked = 0;
        List<String> report = new ArrayList<>();
        // real VMs of the slice whose days are named p for two days and then q != p for three (e.g. VM 55:
        // interactive for days 0-2, batch from day 3): the first such change of each VM
        for (String id : t.userIds()) {
            UserSeries s = t.user(id);
            for (int d = 2; d + 3 <= s.size() / DAY; d++) {
                Pattern p = dayPattern(s, d - 2);
                Pattern q = dayPattern(s, d);
                if (p == q || !stable(s, d - 2, d, p) || !stable(s, d, d + 3, q)) {
                    continue;
                }
                int cycles = cyclesToMove(s.slice(0, (d + 3) * DAY), d * DAY, p, q);
                report.add(id + " " + p + " -> " + q + " on day " + d + ": " + cycles + " cycles");
                assertTrue(cycles <= MOVES_WITHIN_CYCLES, id + ": " + p + " -> " + q + " took " + cycles + " cycles");
                checked++;
                break;
            }
        }
        System.out.println("behaviour changes (" + checked + "):\n  " + String.join("\n  ", report));
        assertTrue(checked >= 3, "the slice must hold at least 3 real changes of pattern, found " + checked);
    }

    /** A's usage before {@code at}, B's from there on, on A's time grid: a real user changing behaviour. */
    static UserSeries splice(UserSeries a, UserSeries b, int at, int end) {
        long[] ts = new long[end];
        double[][] u = new double[Resource.COUNT][end];
        double[][] c = new double[Resource.COUNT][end];
        for (int i = 0; i < end; i++) {
            ts[i] = a.timestamp(0) + (long) i * a.stepSeconds();
            UserSeries src = i < at ? a : b;
            for (Resource r : Resource.values()) {
                u[r.ordinal()][i] = src.usage(r, i);
                c[r.ordinal()][i] = src.capacity(r, i);
            }
        }
        return new UserSeries("spliced", a.stepSeconds(), ts, u, c);
    }

    /** Runs the profiler cycle by cycle from day 1 (its first day is history); returns the cycles after {@code at} until the pattern is {@code after}. */
    static int cyclesToMove(UserSeries s, int at, Pattern before, Pattern after) {
        Profiler profiler = new Profiler(Profiler.Config.defaults());
        UserProfile base = UserDirectory.DEFAULTS.base(s.user());
        UserHistory h = UserHistory.seed(s, DAY, CycleEngine.historyWindow(s.stepSeconds()));
        ProfileState p = null;
        long versions = 0;
        for (int i = DAY; i < s.size(); i++) {
            h.append(s.timestamp(i), s.usageAt(i).toArray());
            ProfileState next = profiler.update(p, base, h, null);
            if (p == null || next.version() != p.version()) {
                versions++;
                assertEquals(versions, next.version(), "one version per published change");
            }
            p = next;
            if (i == at - 1) {
                assertEquals(before, p.pattern(), "settled on the first behaviour before the change");
                assertTrue(p.confidence() >= 0.5, "confidence after days of one behaviour: " + p.confidence());
            }
            if (i >= at && p.pattern() == after) {
                return i - at + 1;
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void notDueUsersKeepTheirProfileAndQuietHoursPublishNothing() {
        UserSeries s = slice().users().values().iterator().next();
        Profiler profiler = new Profiler(Profiler.Config.defaults());
        UserHistory h = UserHistory.seed(s, 2 * DAY, CycleEngine.historyWindow(s.stepSeconds()));
        ProfileState p = profiler.update(null, UserDirectory.DEFAULTS.base(s.user()), h, null);
        assertEquals(1, p.version());
        assertEquals("first profile", p.change());
        int recomputed = 0;
        for (int i = 2 * DAY; i < 2 * DAY + 12; i++) {
            h.append(s.timestamp(i), s.usageAt(i).toArray());
            ProfileState next = profiler.update(p, UserDirectory.DEFAULTS.base(s.user()), h, null);
            if (!next.recent().equals(p.recent())) {
                recomputed++;
            }
            p = next;
        }
        assertEquals(1, recomputed, "recomputed once an hour (12 five-minute cycles)");
    }

    @Test
    void spotEligibilityNeedsPolicyAnInterruptiblePatternAndConfidence() {
        Trace t = slice();
        for (String id : t.userIds()) {
            UserSeries s = t.user(id);
            UserHistory h = UserHistory.seed(s, 3 * DAY, CycleEngine.historyWindow(s.stepSeconds()));
            UserProfile allowed = new UserDirectory(new UserDirectory.Entry("t", Tier.STANDARD, true), java.util.Map.of()).base(id);
            ProfileState p = new Profiler(Profiler.Config.defaults()).update(null, allowed, h, null);
            assertEquals(p.pattern().interruptible() && p.confidence() >= 0.5, p.spotEligible(), id + " " + p);
            ProfileState denied = new Profiler(Profiler.Config.defaults()).update(null, UserDirectory.DEFAULTS.base(id), h, null);
            assertTrue(!denied.spotEligible(), "spot needs the directory's permission");
        }
    }

    @Test
    void profileStateSurvivesAJsonRoundTrip() throws Exception {
        UserSeries s = slice().users().values().iterator().next();
        UserHistory h = UserHistory.seed(s, 3 * DAY, CycleEngine.historyWindow(s.stepSeconds()));
        ProfileState p = new Profiler(Profiler.Config.defaults()).update(null, UserDirectory.DEFAULTS.base(s.user()), h, null);
        ObjectMapper json = new ObjectMapper();
        ProfileState back = json.readValue(json.writeValueAsString(p), ProfileState.class);
        assertNotNull(back);
        assertEquals(p.profile(), back.profile());
        assertEquals(p.version(), back.version());
        assertEquals(p.recent(), back.recent());
        assertEquals(p.models(), back.models());
        assertTrue(java.util.Arrays.equals(p.dayPeak(), back.dayPeak()));
    }
}
