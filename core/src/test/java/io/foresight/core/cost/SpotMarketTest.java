package io.foresight.core.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SpotMarketTest {
    @Test
    void theSeededProcessReclaimsAtTheDocumentedMonthlyRate() {
        SpotMarket m = SpotMarket.defaults(1);
        int step = 300;
        int perMonth = 30 * 288;
        int instances = 4000;
        int reclaimed = 0;
        for (int u = 0; u < instances; u++) {
            for (int i = 0; i < perMonth; i++) {
                if (m.interrupted("vm" + u, 1_375_315_200L + (long) i * step, step)) {
                    reclaimed++;
                    break;
                }
            }
        }
        // 10% of instances per month: 400 expected, binomial sd ~19
        assertEquals(0.10, reclaimed / (double) instances, 0.02, reclaimed + " of " + instances);
        assertEquals(m.interrupted("vm7", 1_375_315_200L, step), m.interrupted("vm7", 1_375_315_200L, step), "seeded");
    }

    @Test
    void badRatesFail() {
        assertThrows(IllegalArgumentException.class, () -> new SpotMarket(1.5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpotMarket(0.1, 0, 1));
    }
}
