package io.foresight.app.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** How to start one local service and how to tell that it is healthy. */
record ServiceSpec(String name, List<String> command, String ip, int port, String healthUrl, String uiUrl,
                   Path workDir, String portConfigKey) {
    ServiceSpec {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        Objects.requireNonNull(healthUrl, "healthUrl");
    }
}
