package io.foresight.core.eval;

import io.foresight.core.feedback.AnomalyDetector;
import io.foresight.core.feedback.TrainingFilter;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The data one retraining learns from and is judged on: a trace up to an end time, whose last
 * {@code holdoutDays} are the holdout. The retraining workflow's steps (on Spark and MLflow) and a run without
 * MLflow (the demo's in-process path) both cut the data here and judge a candidate with {@link #compare}, so the
 * same data gives the same candidate and the same verdict on either path.
 *
 * @param key        what identifies the data (paths, user limit, end time, holdout)
 * @param trace      the data up to the end time
 * @param start      first timestamp (Unix s)
 * @param evalFrom   start of the holdout (Unix s)
 * @param end        end of the data, exclusive (Unix s)
 * @param backtestId the id of this split: the same data and holdout give the same id
 * @param masked     anomalous values masked before the holdout ({@link TrainingFilter}: an incident is not
 *                   behaviour to learn); the holdout is kept as observed, so the gate judges on real data
 */
public record RetrainWindow(String key, Trace trace, long start, long evalFrom, long end, String backtestId, long masked) {
    public RetrainWindow {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(trace, "trace");
    }

    /**
     * Where a retraining's data comes from: the request's references read up to an end time. Trace files by default
     * ({@link #FILES}); the worker also resolves a live pool's source reference (Prometheus, the ingestion store), so
     * a loop on a live source retrains on its own history.
     */
    @FunctionalInterface
    public interface Data {
        /**
         * @param refs     trace file paths, or one data-source reference
         * @param maxUsers at most this many users, 0 for all
         * @param endTime  data before this (Unix s), 0 for all there is
         */
        Trace read(List<String> refs, int maxUsers, long endTime);
    }

    /** Bitbrains CSV files on the worker's disk. */
    public static final Data FILES = (paths, maxUsers, endTime) -> {
        List<Path> files = paths.stream().map(Path::of).toList();
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException("trace file " + f.toAbsolutePath() + " is not readable on the training worker:"
                        + " pass paths this worker can read (--data)");
            }
        }
        return BitbrainsReader.read(files, maxUsers == 0 ? Integer.MAX_VALUE : maxUsers);
    };

    /**
     * Reads {@code paths} (Bitbrains CSV, at most {@code maxUsers} VMs, 0 for all) and cuts the window.
     *
     * @throws IllegalArgumentException naming the file when one is not readable, or as {@link #of}
     */
    public static RetrainWindow read(List<String> paths, int maxUsers, long endTime, int holdoutDays) {
        return read(FILES, paths, maxUsers, endTime, holdoutDays);
    }

    /** Reads the request's data from {@code data} and cuts the window. */
    public static RetrainWindow read(Data data, List<String> paths, int maxUsers, long endTime, int holdoutDays) {
        Trace all = data.read(paths, maxUsers, endTime);
        return of(paths + "|" + maxUsers + "|" + endTime + "|" + holdoutDays, all, endTime, holdoutDays, paths.toString());
    }

    /**
     * @param all         everything read
     * @param endTime     learn only from data before this (Unix s), or 0 for all of it
     * @param holdoutDays days at the end kept for the backtest
     * @param source      names the data in errors (e.g. the paths)
     * @throws IllegalArgumentException when less than a day is left before the holdout
     */
    public static RetrainWindow of(String key, Trace all, long endTime, int holdoutDays, String source) {
        Trace trace = endTime > 0 ? TrainingWindow.before(all, endTime) : all;
        long start = TrainingWindow.start(trace);
        long end = TrainingWindow.end(trace);
        long evalFrom = end - holdoutDays * 86_400L;
        if (trace.users().isEmpty() || evalFrom - start < 86_400L) {
            throw new IllegalArgumentException("the data " + source + (endTime > 0 ? " before " + endTime : "")
                    + " spans " + (end - start) / 3600 + " h: retraining needs at least a day before the " + holdoutDays
                    + "-day holdout; pass more data, a later end time or fewer holdout days");
        }
        TrainingFilter.Cleaned clean = TrainingFilter.clean(trace, evalFrom,
                new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults()));
        return new RetrainWindow(key, clean.trace(), start, evalFrom, end, "bt-" + sha256(key + "|" + evalFrom).substring(0, 12),
                clean.masked());
    }

    /** What a model may learn from: everything before the holdout. */
    public Trace train() {
        return TrainingWindow.before(trace, evalFrom);
    }

    /**
     * What a candidate of {@code family} is judged against when no champion exists: the blend baseline fitted on
     * the training part, or null for a blend candidate (which is that baseline itself and is then judged against
     * last value alone).
     */
    public Forecaster firstChampion(String family) {
        return ModelFamilies.BLEND.equals(family) ? null : ModelFamilies.blend(train());
    }

    /** The backtest and gate verdict of {@code candidate} against {@code champion} on this holdout's rolling origins. */
    public ModelComparison.Result compare(Forecaster candidate, Forecaster champion, String championLabel, double gateMargin) {
        return ModelComparison.run(trace.users().values(), candidate, champion, championLabel,
                Backtest.Config.rolling(ModelFamilies.HORIZON, evalFrom), new PromotionRule(gateMargin));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
