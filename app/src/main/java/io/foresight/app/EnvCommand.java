package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code foresight env}: the service addresses as shell exports, for tests and scripts. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Print the local stack's addresses as shell exports (eval \"$(./foresight env)\").")
public final class EnvCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        FsConfig c = FsConfig.load();
        System.out.println("export FORESIGHT_TEMPORAL_ADDRESS=" + c.temporalTarget());
        System.out.println("export FORESIGHT_TEMPORAL_UI=" + c.temporalUiUrl());
        System.out.println("export MLFLOW_TRACKING_URI=" + c.mlflowUrl());
        System.out.println("export FORESIGHT_PROMETHEUS_URL=" + c.prometheusUrl());
        System.out.println("export FORESIGHT_VENV=" + c.venvDir());
        return 0;
    }
}
