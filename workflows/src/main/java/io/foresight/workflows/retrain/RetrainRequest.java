package io.foresight.workflows.retrain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.foresight.core.eval.ModelFamilies;
import java.util.List;
import java.util.Objects;

/**
 * What to retrain: references only (data paths, model names), never data, since everything passed
 * through Temporal lands in the workflow history.
 *
 * @param dataPaths       trace files the model is trained and backtested on (Bitbrains CSV, gzip or not)
 * @param maxUsers        how many users (VMs) of the trace to use; 0 = all
 * @param family          model family, one of {@link ModelFamilies#ALL} (checked by the training worker, so
 *                        histories of older requests still replay); the MLflow experiment is foresight/&lt;family&gt;
 * @param registeredModel MLflow registered model the version is added to
 * @param gateMode        "auto" (a challenger that passes the gate becomes champion) or "manual" (it becomes
 *                        challenger; a person moves the champion alias)
 * @param gateMargin      relative improvement in mean MASE over the champion the gate requires, in [0,1)
 * @param holdoutDays     the last days of the data (before {@code endTime}) that the backtest scores on and
 *                        the model does not train on; 0 = {@value #DEFAULT_HOLDOUT_DAYS}
 * @param endTime         use only intervals starting before this time (Unix s), e.g. the interval a control
 *                        loop has reached; 0 = all of the data
 */
@JsonIgnoreProperties(ignoreUnknown = true) // older requests had a "metric": their histories must still replay
public record RetrainRequest(List<String> dataPaths, int maxUsers, String family, String registeredModel,
                             String gateMode, double gateMargin, int holdoutDays, long endTime) {
    /** The registered model every family's versions are added to, and whose champion the loop serves. */
    public static final String REGISTERED_MODEL = "foresight-forecaster";
    /** The registered model of the pattern models (classifier + population profile) every retraining also trains. */
    public static final String PATTERN_MODEL = "foresight-pattern-classifier";
    /**
     * The family retrained when none is named: median-periodic, the family that beats last value and the public tools on
     * both dev traces (Bitbrains July, the Azure sample) with its bound within 95 +- 1 % per resource and step at every
     * origin (README, issue 15; docs/evaluation.md).
     */
    public static final String DEFAULT_FAMILY = ModelFamilies.MEDIAN_PERIODIC;
    public static final int DEFAULT_HOLDOUT_DAYS = 2;

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
        Objects.requireNonNull(gateMode, "gateMode");
        if (!gateMode.equals("auto") && !gateMode.equals("manual")) {
            throw new IllegalArgumentException("gateMode must be auto or manual, got '" + gateMode + "'");
        }
        if (!(gateMargin >= 0 && gateMargin < 1)) {
            throw new IllegalArgumentException("gateMargin must be in [0,1), got " + gateMargin);
        }
        if (holdoutDays < 0) {
            throw new IllegalArgumentException("holdoutDays must be >= 1 (0 = " + DEFAULT_HOLDOUT_DAYS + "), got " + holdoutDays);
        }
        if (endTime < 0) {
            throw new IllegalArgumentException("endTime must be a Unix time in seconds or 0 (all data), got " + endTime);
        }
    }

    /** The default family over the given traces: 2 days held out, auto promotion at a 2 % margin, all data. */
    public static RetrainRequest defaults(List<String> dataPaths, int maxUsers) {
        return new RetrainRequest(dataPaths, maxUsers, DEFAULT_FAMILY, REGISTERED_MODEL, "auto", 0.02, 2, 0);
    }

    /** The holdout in days, the default applied. */
    public int holdout() {
        return holdoutDays == 0 ? DEFAULT_HOLDOUT_DAYS : holdoutDays;
    }

    public RetrainRequest withFamily(String f) {
        return new RetrainRequest(dataPaths, maxUsers, f, registeredModel, gateMode, gateMargin, holdoutDays, endTime);
    }

    /** The same request on only the data before {@code endTime} (Unix s): what a loop has already seen. */
    public RetrainRequest withEndTime(long t) {
        return new RetrainRequest(dataPaths, maxUsers, family, registeredModel, gateMode, gateMargin, holdoutDays, t);
    }
}
