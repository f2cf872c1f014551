package io.foresight.app.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs where `./foresight test` has started the real stack: every service must answer its health check. */
class LocalStackIT {
    @Test
    void everyServiceOfTheRunningStackIsHealthy() {
        Map<String, String> env = new HashMap<>(System.getenv());
        // the module directory is the working directory under Maven; the repository root is its parent
        env.putIfAbsent("FORESIGHT_HOME", Path.of("").toAbsolutePath().getParent().toString());
        FsConfig c = FsConfig.load(env);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LocalStack stack = new LocalStack(c, new PrintStream(buf));
        assertTrue(stack.healthy("temporal"), "Temporal is not serving at " + c.temporalTarget());
        assertTrue(stack.healthy("mlflow"), "MLflow is not serving at " + c.mlflowUrl());
        if (Files.isExecutable(Path.of(c.get("prometheus.binary", "/usr/bin/prometheus")))) {
            assertTrue(stack.healthy("prometheus"), "Prometheus is not serving at " + c.prometheusUrl());
        }
    }
}
