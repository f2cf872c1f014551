package io.foresight.mlflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClientException;

/**
 * One MLflow run. Closing it without {@link #finish()} marks it FAILED, so a crashed training never
 * looks finished (and is never picked up by an idempotent retry).
 */
public final class TrackedRun implements AutoCloseable {
    /** Artifact folder the fitted model directory is uploaded to. */
    public static final String MODEL_PATH = "model";
    public static final String FEATURE_SCHEMA_PATH = "feature_schema.json";
    public static final String PLOT_PATH = "plots/forecast_vs_actual.png";
    private static final int BATCH = 900; // MLflow accepts at most 1000 metrics per log-batch

    private final MlflowConnection conn;
    private final ArtifactStore artifacts;
    private final String experimentId;
    private final String runId;
    private final String artifactUri;
    private boolean ended;

    TrackedRun(MlflowConnection conn, ArtifactStore artifacts, String experimentId, String runId, String artifactUri) {
        this.conn = conn;
        this.artifacts = artifacts;
        this.experimentId = experimentId;
        this.runId = runId;
        this.artifactUri = artifactUri;
    }

    public String runId() { return runId; }
    public String experimentId() { return experimentId; }
    /** e.g. mlflow-artifacts:/1/&lt;run&gt;/artifacts */
    public String artifactUri() { return artifactUri; }
    /** Where {@link #logModelDirectory} puts the model: the source of a registered version. */
    public String modelUri() { return ArtifactStore.join(artifactUri, MODEL_PATH); }

    public TrackedRun logParams(Map<String, ?> params) {
        List<Service.Param> ps = new ArrayList<>();
        params.forEach((k, v) -> ps.add(Service.Param.newBuilder().setKey(k).setValue(String.valueOf(v)).build()));
        return batch(List.of(), ps, List.of());
    }

    public TrackedRun setTags(Map<String, String> tags) {
        List<Service.RunTag> ts = new ArrayList<>();
        tags.forEach((k, v) -> ts.add(Service.RunTag.newBuilder().setKey(k).setValue(v).build()));
        return batch(List.of(), List.of(), ts);
    }

    public TrackedRun logMetric(String key, double value) {
        return logMetricHistory(key, new double[] {value});
    }

    /** A per-step history, e.g. training loss per iteration: step i gets {@code values[i]}. */
    public TrackedRun logMetricHistory(String key, double[] values) {
        long now = System.currentTimeMillis();
        List<Service.Metric> ms = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("metric " + key + " step " + i + " is " + values[i] + "; MLflow needs finite values");
            }
            ms.add(Service.Metric.newBuilder().setKey(key).setValue(values[i]).setStep(i).setTimestamp(now).build());
            if (ms.size() == BATCH) {
                batch(ms, List.of(), List.of());
                ms = new ArrayList<>();
            }
        }
        return ms.isEmpty() ? this : batch(ms, List.of(), List.of());
    }

    /** The logged history of a metric, by step. */
    public double[] metricHistory(String key) {
        try {
            return conn.client().getMetricHistory(runId, key).stream()
                    .sorted(java.util.Comparator.comparingLong(Service.Metric::getStep))
                    .mapToDouble(Service.Metric::getValue).toArray();
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot read metric " + key + " of run " + runId + ": " + e.getMessage(), e);
        }
    }

    /** Parameters, metrics (latest values) and tags as MLflow stores them. */
    public Service.RunData data() {
        try {
            return conn.client().getRun(runId).getData();
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot read run " + runId + ": " + e.getMessage(), e);
        }
    }

    /** Uploads the feature schema (JSON) as {@value #FEATURE_SCHEMA_PATH}. */
    public TrackedRun logFeatureSchema(String schemaJson) {
        return logText(FEATURE_SCHEMA_PATH, schemaJson);
    }

    public TrackedRun logText(String artifactPath, String text) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("foresight-artifact", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            artifacts.uploadFile(artifactUri, artifactPath, tmp);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage artifact " + artifactPath, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    public TrackedRun logFile(String artifactPath, Path file) {
        artifacts.uploadFile(artifactUri, artifactPath, file);
        return this;
    }

    /** Uploads the fitted model directory (recursively) to {@value #MODEL_PATH}/. */
    public TrackedRun logModelDirectory(Path modelDir) {
        artifacts.uploadDirectory(artifactUri, MODEL_PATH, modelDir);
        return this;
    }

    /** Renders and uploads a forecast-vs-actual line chart as {@value #PLOT_PATH}. */
    public TrackedRun logForecastPlot(String title, double[] actual, double[] forecast) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("foresight-plot", ".png");
            io.foresight.core.eval.ForecastPlot.write(tmp, title, actual, forecast, null);
            artifacts.uploadFile(artifactUri, PLOT_PATH, tmp);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render plot " + title, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Marks the run FINISHED. */
    public void finish() {
        end(Service.RunStatus.FINISHED);
    }

    @Override
    public void close() {
        if (!ended) {
            end(Service.RunStatus.FAILED);
        }
    }

    private void end(Service.RunStatus status) {
        try {
            conn.client().setTerminated(runId, status, System.currentTimeMillis());
            ended = true;
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot end run " + runId + " as " + status + ": " + e.getMessage(), e);
        }
    }

    private TrackedRun batch(List<Service.Metric> ms, List<Service.Param> ps, List<Service.RunTag> ts) {
        try {
            conn.client().logBatch(runId, ms, ps, ts);
            return this;
        } catch (MlflowClientException e) {
            throw new MlflowException("cannot log to run " + runId + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file; the OS cleans it
            }
        }
    }

    @Override
    public String toString() {
        return "run " + runId + " (experiment " + experimentId + ")";
    }
}
