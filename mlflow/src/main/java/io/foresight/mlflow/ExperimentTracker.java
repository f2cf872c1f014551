package io.foresight.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClientException;

/**
 * Tracks training runs: one MLflow experiment per model family ({@code foresight/<family>}), one run per
 * training. Runs carry an idempotency key tag so a retried activity finds its earlier run instead of
 * starting a second one.
 */
public final class ExperimentTracker {
    /** Run tag holding the caller's idempotency key. */
    public static final String TAG_IDEMPOTENCY_KEY = "foresight.idempotency_key";
    static final String EXPERIMENT_PREFIX = "foresight/";

    private final MlflowConnection conn;
    private final ArtifactStore artifacts;

    public ExperimentTracker(MlflowConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
        this.artifacts = new ArtifactStore(conn);
    }

    /** The experiment id for a model family, created on first use. */
    public String experimentFor(String family) {
        String name = EXPERIMENT_PREFIX + requireName(family);
        try {
            Optional<Service.Experiment> e = conn.client().getExperimentByName(name);
            if (e.isPresent()) {
                return e.get().getExperimentId();
            }
            try {
                return conn.client().createExperiment(name);
            } catch (MlflowClientException raced) {
                // another process created it between our lookup and create
                return conn.client().getExperimentByName(name).orElseThrow(() -> raced).getExperimentId();
            }
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot get or create experiment '" + name + "' on " + conn + ": " + e.getMessage(), e);
        }
    }

    /** Starts a run in the family's experiment. {@code tags} are set right away (git commit, data paths, ...). */
    public TrackedRun startRun(String family, String runName, String idempotencyKey, Map<String, String> tags) {
        Objects.requireNonNull(runName, "runName");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(tags, "tags");
        String experimentId = experimentFor(family);
        try {
            Service.RunInfo info = conn.client().createRun(Service.CreateRun.newBuilder()
                    .setExperimentId(experimentId)
                    .setRunName(runName)
                    .setStartTime(System.currentTimeMillis())
                    .addTags(Service.RunTag.newBuilder().setKey(TAG_IDEMPOTENCY_KEY).setValue(idempotencyKey))
                    .build());
            TrackedRun run = new TrackedRun(conn, artifacts, experimentId, info.getRunId(), info.getArtifactUri());
            run.setTags(tags);
            return run;
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot start a run in experiment " + experimentId + ": " + e.getMessage(), e);
        }
    }

    /** The finished run of this family tagged with {@code idempotencyKey}, if one exists. */
    public Optional<TrackedRun> findFinishedRun(String family, String idempotencyKey) {
        String experimentId = experimentFor(family);
        String filter = "tags.`" + TAG_IDEMPOTENCY_KEY + "` = '" + idempotencyKey.replace("'", "\\'") + "'"
                + " and attributes.status = 'FINISHED'";
        try {
            List<Service.RunInfo> runs = conn.client().searchRuns(List.of(experimentId), filter);
            return runs.stream().findFirst()
                    .map(r -> new TrackedRun(conn, artifacts, experimentId, r.getRunId(), r.getArtifactUri()));
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot search runs of experiment " + experimentId + ": " + e.getMessage(), e);
        }
    }

    /** Reopens an existing run by id (e.g. to read back what a training activity logged). */
    public TrackedRun run(String runId) {
        try {
            Service.RunInfo info = conn.client().getRun(runId).getInfo();
            return new TrackedRun(conn, artifacts, info.getExperimentId(), info.getRunId(), info.getArtifactUri());
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot get run " + runId + ": " + e.getMessage(), e);
        }
    }

    private static String requireName(String family) {
        Objects.requireNonNull(family, "family");
        if (!family.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model family '" + family + "' must match [A-Za-z0-9._-]+");
        }
        return family;
    }
}
