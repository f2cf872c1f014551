package io.foresight.mlflow;

import java.util.Map;
import java.util.Objects;

/** A registered model version as the registry reports it: where its artifact lives and its tags. */
public record ModelVersionRef(String name, String version, String source, String runId, Map<String, String> tags) {
    public ModelVersionRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        runId = runId == null ? "" : runId;
        tags = Map.copyOf(tags);
    }

    /** "name/v3": how predictions and logs name the model that made them. */
    public String label() {
        return name + "/v" + version;
    }
}
