package io.foresight.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.eval.Policies;
import io.foresight.core.eval.PoolReplay;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.EventColumns;
import io.foresight.core.trace.EventCounts;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The event signal on a real VM of the repo's Bitbrains slice. The events are synthetic (no public trace records
 * interaction events) and placed at stated intervals; the usage is the VM's.
 */
class EventSignalTest {
    static final EventSignal SIGNAL = new EventSignal(EventSignal.Config.bundled());
    static final int N = 2 * 288; // two days of history
    static final int WINDOW = CycleEngine.historyWindow(300);

    /** The slice's busiest VM by mean CPU over the first two days (a copy: tests may edit its usage). */
    static UserSeries vm() {
        Trace t = ProfilerTest.slice();
        UserSeries best = null;
        double bestMean = -1;
        for (UserSeries s : t.users().values()) {
            double sum = 0;
            for (int i = 0; i < N; i++) {
                double v = s.usage(Resource.CPU, i);
                sum += Double.isNaN(v) ? 0 : v;
            }
            if (sum > bestMean) {
                bestMean = sum;
                best = s;
            }
        }
        return best.slice(0, N);
    }

    static UserHistory history(UserSeries s, EventColumns events) {
        return UserHistory.seed(events == null ? s : s.withEvents(events), s.size(), WINDOW);
    }

    /** A forecast whose bound is the last observed usage, for three steps. */
    static Forecast flat(UserHistory h) {
        double[][] upper = new double[Resource.COUNT][3];
        for (Resource r : Resource.values()) {
            java.util.Arrays.fill(upper[r.ordinal()], h.series().usage(r, h.size() - 1));
        }
        return new Forecast(h.user(), h.nextAt(), 300, 0.95, upper, upper, "flat");
    }

    static double peak(UserSeries s, Resource r) {
        double m = 0;
        for (int i = 0; i < s.size(); i++) {
            double v = s.usage(r, i);
            m = Double.isNaN(v) ? m : Math.max(m, v);
        }
        return m;
    }

    static EventColumns configChangeAt(int n, int at) {
        EventColumns c = EventColumns.none(n);
        c.set(at, new EventCounts(0, 0, 1));
        return c;
    }

    @Test
    void withoutEventsTheForecastIsUnchanged() {
        UserSeries s = vm();
        UserHistory plain = history(s, null);
        Forecast f = flat(plain);
        assertSame(f, SIGNAL.adjust(f, plain), "a source without event columns (every public trace)");
        UserHistory none = history(s, EventColumns.none(N));
        Forecast g = flat(none);
        assertSame(g, SIGNAL.adjust(g, none), "an event column without events");
        EventColumns ui = EventColumns.none(N);
        ui.set(N - 1, new EventCounts(5, 40, 0)); // UI actions and a few API calls are no leading event
        UserHistory quiet = history(s, ui);
        Forecast q = flat(quiet);
        assertSame(q, SIGNAL.adjust(q, quiet));
    }

    @Test
    void aConfigChangeRaisesTheNextBoundToTheDaysPeak() {
        UserSeries all = vm();
        int n = 288;
        for (int i = 288; i < N; i++) { // the quietest moment of the second day: the change comes then
            if (all.usage(Resource.CPU, i) > 0 && all.usage(Resource.CPU, i) < all.usage(Resource.CPU, n)) {
                n = i;
            }
        }
        n++;
        UserSeries s = all.slice(0, n);
        UserHistory h = history(s, configChangeAt(n, n - 1));
        Forecast f = flat(h);
        Forecast g = SIGNAL.adjust(f, h);
        double cpu = f.upper()[Resource.CPU.ordinal()][0];
        double raised = g.upper()[Resource.CPU.ordinal()][0];
        double dayPeak = peak(s.slice(n - 288, n), Resource.CPU);
        assertTrue(dayPeak > 1.25 * cpu, "the slice's VM must have peaked above now: " + dayPeak + " vs " + cpu);
        assertEquals(dayPeak, raised, 1e-9);
        assertEquals(f.point()[0][0], g.point()[0][0], 0.0, "the point forecast stays");
    }

    @Test
    void theRaiseIsReleasedWhenUsageDoesNotFollowAndHeldWhenItDoes() {
        int follow = 900 / 300;
        int hold = 3600 / 300;
        UserSeries s = vm();
        int e = N - 1 - follow; // the event; the intervals after it are the follow window, now complete
        for (Resource r : Resource.values()) {
            double[] u = s.usageColumn(r);
            for (int i = e + 1; i < N; i++) {
                u[i] = u[e]; // usage did not follow
            }
        }
        UserHistory quiet = history(s, configChangeAt(N, e));
        Forecast f = flat(quiet);
        assertSame(f, SIGNAL.adjust(f, quiet), "spent: nothing followed within " + follow + " intervals");
        UserHistory early = history(s.slice(0, e + follow), configChangeAt(e + follow, e));
        Forecast f2 = flat(early);
        assertTrue(SIGNAL.adjust(f2, early) != f2, "still waiting for usage to follow");

        double[] cpu = s.usageColumn(Resource.CPU);
        cpu[e + 1] = 2 * cpu[e] + 1; // usage followed the change
        UserHistory followed = history(s, configChangeAt(N, e));
        Forecast f3 = flat(followed);
        assertTrue(SIGNAL.adjust(f3, followed) != f3, "usage followed: held");
        UserSeries longer = ProfilerTest.slice().user(s.user()).slice(0, e + hold + 1);
        System.arraycopy(s.usageColumn(Resource.CPU), 0, longer.usageColumn(Resource.CPU), 0, N);
        UserHistory after = history(longer, configChangeAt(e + hold + 1, e));
        Forecast f4 = flat(after);
        assertSame(f4, SIGNAL.adjust(f4, after), "released " + hold + " intervals after the change");
    }

    @Test
    void aBurstOfApiCallsLeadsOnlyAboveTheUsersOwnRate() {
        UserSeries s = vm();
        EventColumns calm = EventColumns.none(N);
        EventColumns busy = EventColumns.none(N);
        for (int i = 0; i < N - 1; i++) {
            calm.set(i, new EventCounts(1, 0, 0));
            busy.set(i, new EventCounts(15, 0, 0));
        }
        calm.set(N - 1, new EventCounts(30, 0, 0));
        busy.set(N - 1, new EventCounts(30, 0, 0));
        assertTrue(SIGNAL.leading(s, calm, N - 1), "30 calls against 1 per interval");
        assertTrue(!SIGNAL.leading(s, busy, N - 1), "30 calls against 15 per interval is the user's normal");
        calm.set(N - 1, new EventCounts(10, 0, 0));
        assertTrue(!SIGNAL.leading(s, calm, N - 1), "below the 20 calls of a burst");
    }

    @Test
    void thresholdsAreDataAndABadFileNamesTheField() throws Exception {
        EventSignal.Config c = EventSignal.Config.bundled();
        assertEquals(1, c.configChanges());
        assertEquals(20, c.apiBurstCalls());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> EventSignal.Config.parse(
                new ObjectMapper().readTree("{\"configChanges\": 1}"), "my.json"));
        assertTrue(x.getMessage().startsWith("my.json: 'apiBurstCalls' is missing"), x.getMessage());
    }

    /**
     * On the real slice (no events, as on every public trace) the part changes nothing: the same decisions and
     * allocations with it on, off, and with event columns that hold no events.
     */
    @Test
    void onTheRealSliceWithoutEventsThePartChangesNoDecision() {
        Trace t = ProfilerTest.slice();
        int warm = 3 * 288;
        int cycles = 288;
        List<String> on = replay(t, warm, cycles, CycleEngine.Parts.DEFAULTS, false);
        List<String> off = replay(t, warm, cycles, CycleEngine.Parts.DEFAULTS.withEvents(false), false);
        List<String> empty = replay(t, warm, cycles, CycleEngine.Parts.DEFAULTS, true);
        assertTrue(CycleEngine.Parts.DEFAULTS.events(), "on by default");
        assertTrue(on.stream().filter(d -> !d.contains("HOLD")).count() > 50, "the slice must make decisions");
        assertEquals(off, on);
        assertEquals(off, empty);
    }

    static List<String> replay(Trace t, int warm, int cycles, CycleEngine.Parts parts, boolean emptyEvents) {
        var settings = Policies.ForesightSettings.defaults();
        CycleEngine engine = Policies.engine(settings, PolicyGate.PERMISSIVE, PriceBook.DEFAULT, parts);
        PoolReplay replay = new PoolReplay(engine, SeasonalNaiveForecaster.daily(), "seasonal-naive", "t",
                ApprovalModel.NOW, UserDirectory.DEFAULTS::base);
        List<PoolReplay.UserReplay> pool = new ArrayList<>();
        for (UserSeries s : t.users().values()) {
            UserSeries cut = s.slice(0, warm + cycles);
            cut = emptyEvents ? cut.withEvents(EventColumns.none(cut.size())) : cut;
            pool.add(new PoolReplay.UserReplay(cut, warm, cut.capacityAt(warm)));
        }
        List<String> out = new ArrayList<>();
        replay.run(pool, new PoolReplay.Listener() {
            @Override
            public void interval(int user, int index, ResourceVector inForce, Forecast f) {
                out.add(user + "@" + index + " " + java.util.Arrays.toString(inForce.toArray()));
            }

            @Override
            public void decided(long at, List<CycleEngine.UserDecision> decisions, Set<String> approved) {
                decisions.forEach(d -> out.add(at + " " + d.user() + " " + d.outcome()));
            }
        }, null, 1);
        return out;
    }
}
