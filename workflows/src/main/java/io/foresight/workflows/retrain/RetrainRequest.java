package io.foresight.workflows.retrain;

import java.util.List;
import java.util.Objects;

/**
 * What to retrain: references only (data paths, model names), never data, since everything passed
 * through Temporal lands in the workflow history.
 *
 * @param dataPaths       trace files the features are extracted from (Bitbrains CSV, gzip or not)
 * @param maxUsers        how many users (VMs) of the trace to use; 0 = all
 * @param family          model family: the MLflow experiment is foresight/&lt;family&gt;
 * @param registeredModel MLflow registered model the version is added to
 * @param metric          backtest metric to gate on (lower is better), e.g. "mae"
 * @param gateMode        "auto" (challenger becomes champion when it wins by gateMargin) or "manual"
 * @param gateMargin      relative improvement the auto gate requires, in [0,1)
 */
public record RetrainRequest(List<String> dataPaths, int maxUsers, String family, String registeredModel,
                             String metric, String gateMode, double gateMargin) {
    public RetrainRequest {
        Objects.requireNonNull(dataPaths, "dataPaths");
        if (dataPaths.isEmpty()) {
            throw new IllegalArgumentException("retraining needs at least one data path");
        }
        dataPaths = List.copyOf(dataPaths);
        if (maxUsers < 0) {
            throw new IllegalArgumentException("maxUsers must be >= 0 (0 = all), got " + maxUsers);
        }
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(registeredModel, "registeredModel");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(gateMode, "gateMode");
        if (!gateMode.equals("auto") && !gateMode.equals("manual")) {
            throw new IllegalArgumentException("gateMode must be auto or manual, got '" + gateMode + "'");
        }
        if (!(gateMargin >= 0 && gateMargin < 1)) {
            throw new IllegalArgumentException("gateMargin must be in [0,1), got " + gateMargin);
        }
    }

    /** CPU usage model over the given traces, MAE gate, auto promotion at a 2% margin. */
    public static RetrainRequest cpuDefaults(List<String> dataPaths, int maxUsers) {
        return new RetrainRequest(dataPaths, maxUsers, "cpu-lag-linear", "foresight-cpu", "mae", "auto", 0.02);
    }
}
