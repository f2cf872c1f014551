package io.foresight.spark.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the retraining workflow asks for.
 *
 * @param dataPaths      Bitbrains CSV files (gzip or plain), concatenated per user
 * @param outputDir      where the model directory is written (created if missing)
 * @param seed           seed of every random choice (sampling, GBT)
 * @param maxUsers       read at most this many users (0 = all)
 * @param sampleFraction share of training rows the GBT sees (1 = all; lower for speed on 2 cores)
 * @param holdoutDays    the last days held back for evaluation (time split)
 * @param horizon        forecast steps evaluated (12 = next hour at 5-minute steps)
 * @param gbtIterations  boosting iterations of the GBT
 * @param stride         steps between backtest origins (36 = every 3 h, the gate's protocol; 1 or 2 to measure
 *                       the bounds' coverage per step at every time of day)
 * @param calendar       the GBT families (gbt, gbt-m5) learn from the calendar features (time of day, day of week,
 *                       weekend); false holds them constant in training so the trees cannot split on them (the
 *                       ablation {@code backtest --calendar off} measures, README issue 11 item 5)
 */
public record TrainingRequest(List<Path> dataPaths, Path outputDir, long seed, int maxUsers,
                              double sampleFraction, int holdoutDays, int horizon, int gbtIterations, int stride,
                              boolean calendar) {
    /** Steps between origins of the gate's backtest ({@link io.foresight.core.eval.Backtest.Config#rolling}). */
    public static final int BACKTEST_STRIDE = 36;

    /** With the calendar features on. */
    public TrainingRequest(List<Path> dataPaths, Path outputDir, long seed, int maxUsers,
                           double sampleFraction, int holdoutDays, int horizon, int gbtIterations, int stride) {
        this(dataPaths, outputDir, seed, maxUsers, sampleFraction, holdoutDays, horizon, gbtIterations, stride, true);
    }

    public TrainingRequest {
        Objects.requireNonNull(dataPaths, "dataPaths");
        Objects.requireNonNull(outputDir, "outputDir");
        dataPaths = List.copyOf(dataPaths);
        if (dataPaths.isEmpty()) {
            throw new IllegalArgumentException("no data path: pass at least one Bitbrains CSV file");
        }
        if (maxUsers < 0 || holdoutDays <= 0 || horizon <= 0 || gbtIterations <= 0 || stride <= 0) {
            throw new IllegalArgumentException("maxUsers must be >= 0; holdoutDays, horizon, gbtIterations, stride positive");
        }
        if (sampleFraction <= 0 || sampleFraction > 1) {
            throw new IllegalArgumentException("sampleFraction must be in (0,1], got " + sampleFraction);
        }
    }

    /** Defaults: all users, all rows, 2 days held back, next hour (bounds: {@link io.foresight.core.eval.ModelFamilies#QUANTILE}). */
    public static TrainingRequest of(List<Path> dataPaths, Path outputDir, long seed) {
        return new TrainingRequest(dataPaths, outputDir, seed, 0, 1.0, 2, 12, 30, BACKTEST_STRIDE, true);
    }

    public TrainingRequest withMaxUsers(int n) {
        return new TrainingRequest(dataPaths, outputDir, seed, n, sampleFraction, holdoutDays, horizon, gbtIterations, stride, calendar);
    }

    public TrainingRequest withSampleFraction(double f) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, f, holdoutDays, horizon, gbtIterations, stride, calendar);
    }

    public TrainingRequest withHoldoutDays(int d) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, sampleFraction, d, horizon, gbtIterations, stride, calendar);
    }

    public TrainingRequest withGbtIterations(int n) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, sampleFraction, holdoutDays, horizon, n, stride, calendar);
    }

    public TrainingRequest withStride(int s) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, sampleFraction, holdoutDays, horizon, gbtIterations, s, calendar);
    }

    public TrainingRequest withHorizon(int h) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, sampleFraction, holdoutDays, h, gbtIterations, stride, calendar);
    }

    public TrainingRequest withCalendar(boolean on) {
        return new TrainingRequest(dataPaths, outputDir, seed, maxUsers, sampleFraction, holdoutDays, horizon, gbtIterations,
                stride, on);
    }
}
