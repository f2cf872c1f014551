package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The training data the retraining workflow fits on: anomalies before the holdout masked, the holdout kept. */
class TrainingFilterTest {
    private final AnomalyDetector detector = new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults());

    @Test
    void cleanMasksIncidentsBeforeTheCutAndKeepsTheHoldout() {
        Trace real = RealSlice.trace();
        UserSeries vm = real.user("22");
        int before = 8 * 288 + 14 * 12; // an incident in training
        int after = 9 * 288 + 14 * 12;  // the same incident in the holdout
        UserSeries s = RealSlice.injected(vm, Resource.CPU, before, before + 12, y -> y + 2.0);
        s = RealSlice.injected(s, Resource.CPU, after, after + 12, y -> y + 2.0);
        Map<String, UserSeries> users = new LinkedHashMap<>(real.users());
        users.put(s.user(), s);
        Trace t = new Trace(real.stepSeconds(), users, real.report());
        long cut = s.timestamp(9 * 288);

        TrainingFilter.Cleaned c = TrainingFilter.clean(t, cut, detector);

        UserSeries clean = c.trace().user("22");
        int maskedInIncident = 0;
        for (int i = before; i < before + 12; i++) {
            maskedInIncident += Double.isNaN(clean.usage(Resource.CPU, i)) ? 1 : 0;
        }
        assertTrue(maskedInIncident >= 10, "the training incident is kept out: " + maskedInIncident + " of 12 masked");
        for (int i = 9 * 288; i < s.size(); i++) {
            assertEquals(s.usage(Resource.CPU, i), clean.usage(Resource.CPU, i), 0.0, "holdout interval " + i + " kept");
        }
        long maskedHere = 0;
        for (UserSeries u : c.trace().users().values()) {
            UserSeries o = t.user(u.user());
            for (Resource r : Resource.values()) {
                for (int i = 0; i < u.size(); i++) {
                    maskedHere += Double.isNaN(u.usage(r, i)) && !Double.isNaN(o.usage(r, i)) ? 1 : 0;
                }
            }
        }
        assertEquals(c.masked(), maskedHere, "the count reports what was masked");
        assertFalse(Double.isNaN(s.usage(Resource.CPU, before)), "the input is not modified");
        assertEquals(t.users().keySet(), c.trace().users().keySet(), "no user is dropped");
        assertTrue(c.masked() < 0.01 * t.intervals() * Resource.COUNT, "real data is mostly kept: " + c.masked());
    }

    @Test
    void aUserWithoutAnomaliesIsPassedThrough() {
        Trace real = RealSlice.trace();
        TrainingFilter.Cleaned c = TrainingFilter.clean(real, Long.MIN_VALUE, detector);
        assertEquals(0, c.masked());
        for (UserSeries s : real.users().values()) {
            assertSame(s, c.trace().user(s.user()));
        }
    }
}
