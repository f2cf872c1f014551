package io.foresight.mlflow;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** What {@link ChampionModelSource} needs from MLflow: resolve an alias, fetch a version's artifact. */
public interface ModelStore {
    /** The version {@code alias} points at; empty if unset. Throws if the registry cannot be reached. */
    Optional<ModelVersionRef> resolve(String model, String alias);

    /** Downloads the version's artifact tree into {@code target} (which does not exist yet). */
    void download(ModelVersionRef version, Path target);

    /** The registry and artifact proxy of one MLflow server. */
    static ModelStore of(MlflowConnection conn) {
        Objects.requireNonNull(conn, "conn");
        ModelRegistry registry = new ModelRegistry(conn);
        ArtifactStore artifacts = new ArtifactStore(conn);
        return new ModelStore() {
            @Override
            public Optional<ModelVersionRef> resolve(String model, String alias) {
                return registry.getAlias(model, alias);
            }

            @Override
            public void download(ModelVersionRef version, Path target) {
                artifacts.download(version.source(), target);
            }
        };
    }
}
