package io.foresight.rules.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedTest {

    private static void same(double v, int places) {
        assertEquals(String.format(Locale.ROOT, "%." + places + "f", v), Fixed.places(v, places), v + " at " + places);
    }

    @Test
    void writesWhatStringFormatWrites() {
        double[] edges = {0, -0.0, 0.5, -0.5, 0.00005, -0.00005, 0.00004999, 1.23455, 2.675, 0.125, 0.15, 1e-300, -1e-300,
                123456.78905, 0.99995, 9.99995, 1e14 + 0.5, 1e15, -1e15, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, 882.0000499999, 20.0};
        for (double v : edges) {
            for (int p = 0; p <= 6; p++) {
                same(v, p);
            }
        }
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < 200_000; i++) {
            // costs in USD/h and per day: mostly small, some large, some exactly on a half of the last place
            double v = switch (i % 4) {
                case 0 -> r.nextDouble(-50, 50);
                case 1 -> r.nextDouble(0, 1) * Math.pow(10, r.nextInt(-6, 7));
                case 2 -> Math.round(r.nextDouble(0, 1e6)) / 1e4 + 0.00005;
                default -> r.nextLong(-1_000_000, 1_000_000) / 200_000.0;
            };
            same(v, i % 2 == 0 ? 4 : 2);
        }
    }

    @Test
    void remembersTheTextOfAValueByItsBitsAndPlaces() {
        // the remembered text is the text: asked again (and after the memory filled and was cleared), the same words;
        // 0.0 and -0.0 are different values (String.format writes "-0.00" for the latter)
        SplittableRandom r = new SplittableRandom(7);
        double[] values = new double[70_000]; // more than the memory holds, so it is cleared on the way
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextDouble(-1000, 1000);
        }
        for (int round = 0; round < 2; round++) {
            for (double v : values) {
                same(v, 4);
                same(v, 2);
            }
            same(0.0, 2);
            same(-0.0, 2);
        }
    }

    @Test
    void refusesAnImpossibleCountOfPlaces() {
        assertThrows(IllegalArgumentException.class, () -> Fixed.places(1, -1));
    }
}
