package io.foresight.app;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import java.io.PrintStream;

/** Which forecaster the control loop predicts with. */
final class Models {
    private final ForecasterProvider provider;

    private Models(ForecasterProvider provider) {
        this.provider = provider;
    }

    static Models forLoop(FsConfig config, PrintStream out) {
        return new Models(ForecasterProvider.fixed(SeasonalNaiveForecaster.daily(), "seasonal-naive/builtin"));
    }

    ForecasterProvider provider() {
        return provider;
    }
}
