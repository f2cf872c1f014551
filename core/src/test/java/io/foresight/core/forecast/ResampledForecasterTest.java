package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import org.junit.jupiter.api.Test;

class ResampledForecasterTest {
    @Test
    void nextDayAtHourlyStepsAveragesTheFineForecast() {
        UserSeries s = Series.of("u", 288 * 3, i -> i % 288, 0.0, 1);
        Forecaster naive = SeasonalNaiveForecaster.daily();
        Forecast day = ResampledForecaster.hourly(naive).forecast(s, 288 * 2, 288);
        assertEquals(24, day.horizon());
        assertEquals(3600, day.stepSeconds());
        // Hour k of yesterday's ramp averages k*12 .. k*12+11.
        for (int k = 0; k < 24; k++) {
            assertEquals(k * 12 + 5.5, day.point(Resource.CPU, k), 1e-9);
        }
        assertThrows(IllegalArgumentException.class, () -> ResampledForecaster.hourly(naive).forecast(s, 300, 100));
    }
}
