package io.foresight.app.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** How to start one local service and how to tell that it is healthy. */
record ServiceSpec(String name, List<String> command, String ip, int port, String healthUrl, String uiUrl,
                   Path workDir, String portConfigKey, List<Port> otherPorts) {
    /** A further port the service listens on (a web UI), with the configuration key that moves it. */
    record Port(int port, String configKey, String purpose) {}

    ServiceSpec {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        Objects.requireNonNull(healthUrl, "healthUrl");
        otherPorts = List.copyOf(otherPorts);
    }

    ServiceSpec(String name, List<String> command, String ip, int port, String healthUrl, String uiUrl, Path workDir,
                String portConfigKey) {
        this(name, command, ip, port, healthUrl, uiUrl, workDir, portConfigKey, List.of());
    }

    /** Every port it needs: its main one first. */
    List<Port> ports() {
        List<Port> all = new java.util.ArrayList<>();
        all.add(new Port(port, portConfigKey, name));
        all.addAll(otherPorts);
        return all;
    }
}
