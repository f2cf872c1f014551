package io.foresight.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {
    private final AnomalyDetector detector = new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults());

    @Test
    void normalRealDaysRaiseFewFlags() {
        long scored = 0;
        long flagged = 0;
        for (UserSeries s : RealSlice.trace().users().values()) {
            flagged += detector.detect(s).size();
            for (Resource r : Resource.values()) {
                double[] y = s.usageColumn(r);
                for (int i = 0; i < s.size(); i++) {
                    if (!Double.isNaN(y[i]) && !Double.isNaN(detector.expected(y, i))) {
                        scored++;
                    }
                }
            }
        }
        double rate = flagged / (double) scored;
        System.out.printf("real slice: %d of %d resource-intervals flagged (%.3f%%)%n", flagged, scored, 100 * rate);
        assertTrue(scored > 45_000, "days 4..10 of 6 VMs x 4 resources are scored: " + scored);
        // Unlabelled real data holds real anomalies too, so this is an upper bound on the false-positive rate.
        assertTrue(rate < 0.01, "flag rate on unmodified real days must stay under 1%, was " + rate);
    }

    @Test
    void injectedRealSpikeIsDetectedAndExplained() {
        UserSeries real = RealSlice.trace().user("22");
        int from = 8 * 288 + 14 * 12; // day 8, 14:00 for one hour: a runaway process takes 2 more cores
        UserSeries s = RealSlice.injected(real, Resource.CPU, from, from + 12, y -> y + 2.0);
        List<Anomaly> found = detector.detect(s, from - 288, from + 288).stream()
                .filter(a -> a.resource() == Resource.CPU).toList();
        long inWindow = found.stream().filter(a -> a.index() >= from && a.index() < from + 12).count();
        assertTrue(inWindow >= 10, "at least 10 of the 12 spiked intervals are flagged, got " + inWindow + ": " + found);
        Anomaly a = found.stream().filter(x -> x.index() == from + 6).findFirst().orElseThrow();
        assertEquals(Anomaly.Kind.SPIKE, a.kind());
        assertEquals(s.timestamp(from + 6), a.at());
        assertEquals(s.usage(Resource.CPU, from + 6), a.observed(), 1e-12);
        assertTrue(a.mads() > 6 && a.observed() > a.expected());
        assertTrue(a.explanation().startsWith("cpu spike: observed "), a.explanation());
        assertTrue(a.explanation().contains("cores vs expected") && a.explanation().contains("MADs above"), a.explanation());
        List<Anomaly> baseline = detector.detect(real, from - 288, from + 288).stream()
                .filter(x -> x.resource() == Resource.CPU).toList();
        System.out.println("vm22 real cpu anomalies in the 2 days: " + baseline.size());
        assertTrue(found.size() - inWindow <= baseline.size(), "the injection adds no flags outside its hour");
        assertTrue(a.warrantsScaleUp());
        assertEquals("22", a.user());
        // the same spike, checked online one interval at a time, is flagged too
        assertTrue(detector.detectAt(s, from + 6).stream().anyMatch(x -> x.resource() == Resource.CPU));
        assertTrue(detector.detectAt(real, from + 6).stream().noneMatch(x -> x.resource() == Resource.CPU),
                "without the injection that interval is normal");
    }

    @Test
    void theIncrementalOnlineDetectorFindsTheInjectedSpikeAndStaysQuietOnRealDays() {
        UserSeries real = RealSlice.trace().user("22");
        int from = 8 * 288 + 14 * 12;
        UserSeries s = RealSlice.injected(real, Resource.CPU, from, from + 12, y -> y + 2.0);
        AnomalyDetector.OnlineState injected = new AnomalyDetector.OnlineState();
        AnomalyDetector.OnlineState plain = new AnomalyDetector.OnlineState();
        int flaggedInSpike = 0;
        int flaggedCpuOutside = 0;
        int plainCpu = 0;
        for (int i = 4 * 288; i < s.size(); i++) {
            List<Anomaly> a = detector.observe(injected, s, i);
            List<Anomaly> b = detector.observe(plain, real, i);
            boolean cpu = a.stream().anyMatch(x -> x.resource() == Resource.CPU && x.kind() == Anomaly.Kind.SPIKE);
            if (i >= from && i < from + 12) {
                flaggedInSpike += cpu ? 1 : 0;
            } else if (cpu && b.stream().noneMatch(x -> x.resource() == Resource.CPU)) {
                flaggedCpuOutside++;
            }
            plainCpu += b.stream().anyMatch(x -> x.resource() == Resource.CPU) ? 1 : 0;
            if (i == from + 6) {
                // the one-interval-at-a-time state agrees with the batch online check at the spike
                assertEquals(!detector.detectAt(s, i).isEmpty(), !a.isEmpty(), "interval " + i);
            }
        }
        assertTrue(flaggedInSpike >= 10, "flagged " + flaggedInSpike + " of the 12 injected intervals");
        assertTrue(flaggedCpuOutside <= 2, "the injection changes flags outside it only briefly: " + flaggedCpuOutside);
        assertTrue(plainCpu < 0.01 * (s.size() - 4 * 288), "real CPU flags " + plainCpu);
    }

    @Test
    void trainingFilterMasksOnlyAnomalousIntervals() {
        UserSeries real = RealSlice.trace().user("22");
        int from = 8 * 288 + 14 * 12;
        UserSeries s = RealSlice.injected(real, Resource.CPU, from, from + 12, y -> y + 2.0);
        List<Anomaly> found = detector.detect(s, from, from + 12);
        UserSeries clean = TrainingFilter.mask(s, found);
        int masked = 0;
        for (int i = 0; i < s.size(); i++) {
            if (Double.isNaN(clean.usage(Resource.CPU, i)) && !Double.isNaN(s.usage(Resource.CPU, i))) {
                masked++;
                assertTrue(i >= from && i < from + 12, "masked outside the spike at " + i);
            }
            assertEquals(s.usage(Resource.MEMORY, i), clean.usage(Resource.MEMORY, i), 0.0);
        }
        assertTrue(masked >= 10, "masked " + masked);
        assertFalse(Double.isNaN(s.usage(Resource.CPU, from)), "the input series is not modified");
    }

    @Test
    void dropsAreReportedButDoNotAskForScaleUp() {
        UserSeries real = RealSlice.trace().user("9"); // memory steady around 0.3 GiB
        int from = 9 * 288 + 10 * 12; // day 9, 10:00: the VM's memory reads 0 for half an hour
        UserSeries s = RealSlice.injected(real, Resource.MEMORY, from, from + 6, y -> 0.0);
        // the default 0.1 GiB floor would call a 0.3 GiB dip only 3 MADs: a small VM needs a smaller floor
        AnomalyDetector.Config c = AnomalyDetector.Config.fiveMinuteDefaults();
        AnomalyDetector fine = new AnomalyDetector(new AnomalyDetector.Config(c.seasonSteps(), c.seasons(),
                c.minSeasons(), c.scaleWindow(), c.threshold(), c.relativeFloor(), new double[] {0.05, 0.02, 0.5, 0.5},
                c.tailQuantile()));
        assertTrue(detector.detect(s, from, from + 6).stream().noneMatch(a -> a.resource() == Resource.MEMORY));
        List<Anomaly> drops = fine.detect(s, from, from + 6).stream()
                .filter(a -> a.resource() == Resource.MEMORY).toList();
        assertEquals(6, drops.size(), "usage falling to zero on a steady memory series is a drop: " + drops);
        assertTrue(drops.stream().allMatch(a -> a.kind() == Anomaly.Kind.DROP && !a.warrantsScaleUp()));
        assertTrue(drops.get(0).explanation().startsWith("memory drop: observed 0.000 GiB"), drops.get(0).explanation());
    }

    @Test
    void forecastResidualCheck() {
        double[] past = new double[50];
        for (int i = 0; i < past.length; i++) {
            past[i] = (i % 5 - 2) * 0.1; // residuals within +-0.2 cores
        }
        Optional<Anomaly> miss = detector.checkResidual("u", Resource.CPU, 1000, 5.0, 2.0, past);
        assertTrue(miss.isPresent());
        assertEquals(Anomaly.Kind.FORECAST_MISS, miss.get().kind());
        assertTrue(miss.get().warrantsScaleUp());
        assertTrue(detector.checkResidual("u", Resource.CPU, 1000, 2.15, 2.0, past).isEmpty());
        assertTrue(detector.checkResidual("u", Resource.CPU, 1000, 5.0, 2.0, new double[5]).isEmpty(),
                "too little history: no verdict");
    }
}
