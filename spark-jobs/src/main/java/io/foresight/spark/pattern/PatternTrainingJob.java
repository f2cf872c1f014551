package io.foresight.spark.pattern;

import io.foresight.core.engine.PopulationProfile;
import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.GateVerdict;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The retraining workflow's pattern models, on Spark: every user's days (aligned to the holdout's start) are
 * profiled ({@link UserFeatures}), clustered with KMeans and each cluster named by the documented rules on its
 * centroid ({@link PatternJob#cluster}); that name is the day's pattern. RandomForest and one-vs-rest LinearSVC
 * learn the next day's pattern from this day's features on the days before the holdout and are scored on the
 * pairs whose next day lies in the holdout, next to persistence ("tomorrow's pattern is today's") on the same
 * pairs. The more accurate of the two is exported to core's {@link PatternClassifier} (served without Spark) and
 * saved with the population profile of the training days in the one model format
 * ({@link ModelArtifacts#savePatterns}, gate pending: the caller judges it). The Spark pipelines are saved under
 * {@code spark/} for lineage.
 */
public final class PatternTrainingJob {
    static final String RF = "random_forest";
    static final String SVM = "linear_svc";
    static final String PERSISTENCE = "persistence";
    private static final long DAY = 86_400L;

    private final PatternJob.Config config;

    public PatternTrainingJob(PatternJob.Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Today's features and the patterns of today and tomorrow (KMeans named by the rules). */
    public record Pairs(List<FeatureVector> features, List<Pattern> today, List<Pattern> tomorrow) {
        int size() {
            return features.size();
        }
    }

    /**
     * What was trained.
     *
     * @param winner    {@link #RF} or {@link #SVM} (the metric prefix of the model exported)
     * @param classifier the exported winner
     * @param metrics   per model ({@link #RF}, {@link #SVM}, {@link #PERSISTENCE}): accuracy, weighted_precision,
     *                  weighted_recall on the holdout pairs; pairs.train, pairs.test, kmeans.k
     * @param train     the training pairs (features are the served classifier's input)
     * @param test      the holdout pairs
     * @param pipelines the fitted Spark pipelines by the name they are saved under in {@code spark/}
     */
    public record Result(String winner, PatternClassifier classifier, PopulationProfile population,
                         Map<String, Double> metrics, Pairs train, Pairs test, Map<String, PipelineModel> pipelines) {}

    /**
     * @param trace    the data window (training days and holdout)
     * @param evalFrom the holdout's start (Unix s): labels on or after it are scored, never trained on
     * @param outDir   the model directory written
     * @param version  the manifest's and the classifier's version
     */
    public Result run(SparkSession spark, Trace trace, long evalFrom, Path outDir, String version,
                      Map<String, String> params) {
        List<Day> days = days(trace, evalFrom);
        List<FeatureVector> seen = days.stream().filter(d -> d.v.to() <= evalFrom).map(d -> d.v).toList();
        if (seen.size() < config.k()) {
            throw new IllegalArgumentException("pattern training needs at least " + config.k() + " observed user-days "
                    + "before the holdout, got " + seen.size() + ": pass more users or more days of data");
        }
        PatternJob job = new PatternJob(config);
        PatternJob.Clustering clusters = job.cluster(PatternJob.toDataset(spark, seen, null));
        List<FeatureVector> all = days.stream().map(d -> d.v).toList();
        Map<String, Map<Long, Pattern>> named = PatternJob.assign(clusters, PatternJob.toDataset(spark, all, null));
        Pairs train = pairs(days, named, Long.MIN_VALUE, evalFrom);
        Pairs test = pairs(days, named, evalFrom, Long.MAX_VALUE);
        if (train.size() == 0 || test.size() == 0) {
            throw new IllegalArgumentException("pattern training needs a user with two consecutive observed days before "
                    + "the holdout and one whose next day is in it (got " + train.size() + " and " + test.size()
                    + " pairs): use more days of data or a holdout of at least one day");
        }
        Dataset<Row> a = PatternJob.toDataset(spark, train.features(), train.tomorrow()).cache();
        Dataset<Row> b = PatternJob.toDataset(spark, test.features(), test.tomorrow()).cache();
        PipelineModel rf = job.trainForest(a);
        PipelineModel svm = job.trainSvm(a);
        Map<String, Double> m = new LinkedHashMap<>();
        Map<String, Double> rfm = scores(rf.transform(b));
        Map<String, Double> svmm = scores(svm.transform(b));
        rfm.forEach((k, v) -> m.put(RF + "." + k, v));
        svmm.forEach((k, v) -> m.put(SVM + "." + k, v));
        scores(persistence(spark, test)).forEach((k, v) -> m.put(PERSISTENCE + "." + k, v));
        m.put("pairs.train", (double) train.size());
        m.put("pairs.test", (double) test.size());
        m.put("kmeans.k", (double) config.k());
        m.put("kmeans.named_patterns", (double) clusters.names().values().stream().distinct().count());
        boolean forest = rfm.get("accuracy") >= svmm.get("accuracy"); // ties: the forest, whose votes give a confidence
        String winner = forest ? RF : SVM;
        Map<String, Double> own = new LinkedHashMap<>(forest ? rfm : svmm);
        own.put("persistence_accuracy", m.get(PERSISTENCE + ".accuracy"));
        own.put("test_pairs", (double) test.size());
        PatternClassifier exported = PatternExport.toClassifier(forest ? rf : svm,
                (forest ? PatternClassifier.FOREST : PatternClassifier.SVM) + "/" + version, own);
        PopulationProfile population = PopulationProfile.fit(before(trace, evalFrom), user -> "default",
                io.foresight.core.eval.Policies.POPULATION_NEED_QUANTILE);
        Map<String, PipelineModel> pipelines = new LinkedHashMap<>();
        pipelines.put("kmeans", clusters.model());
        pipelines.put("random-forest", rf);
        pipelines.put("svm-ovr", svm);
        try {
            for (var e : pipelines.entrySet()) {
                e.getValue().write().overwrite().save(outDir.resolve("spark").resolve(e.getKey()).toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save pattern pipelines under " + outDir, e);
        }
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("winner", winner);
        p.put("kmeans.k", Integer.toString(config.k()));
        p.put("rf.trees", Integer.toString(config.trees()));
        p.put("svm.maxIter", Integer.toString(config.svmIterations()));
        p.put("seed", Long.toString(config.seed()));
        p.put("window", "1 day -> next day");
        ModelArtifacts.savePatterns(outDir, version, exported, population, firstTimestamp(trace), evalFrom, p, m,
                GateVerdict.pending());
        a.unpersist();
        b.unpersist();
        return new Result(winner, exported, population, m, train, test, Map.copyOf(pipelines));
    }

    /** accuracy, weighted precision and weighted recall of the prediction column against the label. */
    static Map<String, Double> scores(Dataset<Row> predicted) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", metric(predicted, "accuracy"));
        m.put("weighted_precision", metric(predicted, "weightedPrecision"));
        m.put("weighted_recall", metric(predicted, "weightedRecall"));
        return m;
    }

    private static double metric(Dataset<Row> p, String name) {
        return new MulticlassClassificationEvaluator().setLabelCol(PatternJob.LABEL).setPredictionCol("prediction")
                .setMetricName(name).evaluate(p);
    }

    /** The persistence forecast as a prediction column: tomorrow's pattern is today's. */
    private static Dataset<Row> persistence(SparkSession spark, Pairs test) {
        StructType schema = new StructType().add(PatternJob.LABEL, DataTypes.DoubleType).add("prediction", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            rows.add(RowFactory.create((double) test.tomorrow().get(i).ordinal(), (double) test.today().get(i).ordinal()));
        }
        return spark.createDataFrame(rows, schema);
    }

    /** Accuracy of {@code c} on {@code pairs}, in core (e.g. the registry's champion on this holdout). */
    public static double accuracy(PatternClassifier c, Pairs pairs) {
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) {
            right += c.predict(pairs.features().get(i)) == pairs.tomorrow().get(i) ? 1 : 0;
        }
        return pairs.size() == 0 ? Double.NaN : (double) right / pairs.size();
    }

    private record Day(String user, long from, FeatureVector v) {}

    /** Every user's observed days (at least a quarter of the intervals seen), aligned so one starts at evalFrom. */
    static List<Day> days(Trace trace, long evalFrom) {
        List<Day> out = new ArrayList<>();
        for (UserSeries s : trace.users().values()) {
            if (s.size() == 0) {
                continue;
            }
            long first = s.timestamp(0);
            long end = s.timestamp(s.size() - 1) + s.stepSeconds();
            long from = evalFrom - Math.floorDiv(evalFrom - first, DAY) * DAY;
            for (; from + DAY <= end; from += DAY) {
                if (observed(s, from, from + DAY)) {
                    FeatureVector v = UserFeatures.profile(s, from, from + DAY);
                    out.add(new Day(s.user(), from, new FeatureVector(v.user(), v.from(), v.to(), PatternClassifier.input(v))));
                }
            }
        }
        return out;
    }

    /** Pairs of consecutive observed days whose second day starts in [from, to). */
    private static Pairs pairs(List<Day> days, Map<String, Map<Long, Pattern>> named, long from, long to) {
        List<FeatureVector> x = new ArrayList<>();
        List<Pattern> now = new ArrayList<>();
        List<Pattern> next = new ArrayList<>();
        for (int i = 0; i + 1 < days.size(); i++) {
            Day d = days.get(i);
            Day e = days.get(i + 1);
            if (!d.user().equals(e.user()) || e.from() != d.from() + DAY || e.from() < from || e.from() >= to) {
                continue;
            }
            Map<Long, Pattern> u = named.get(d.user());
            x.add(d.v());
            now.add(u.get(d.v().from()));
            next.add(u.get(e.v().from()));
        }
        return new Pairs(x, now, next);
    }

    private static boolean observed(UserSeries s, long from, long to) {
        double[] cpu = s.usageColumn(Resource.CPU);
        int seen = 0;
        for (int i = 0; i < s.size(); i++) {
            long t = s.timestamp(i);
            if (t >= from && t < to && !Double.isNaN(cpu[i])) {
                seen++;
            }
        }
        return seen * 4L >= (to - from) / s.stepSeconds();
    }

    private static Trace before(Trace t, long cut) {
        return io.foresight.core.eval.TrainingWindow.before(t, cut);
    }

    private static long firstTimestamp(Trace t) {
        return t.users().values().stream().filter(s -> s.size() > 0).mapToLong(s -> s.timestamp(0)).min().orElse(0);
    }

    /**
     * {@code PatternTrainingJob <traces, comma-separated> <holdout start, Unix s> <maxUsers> <out-dir>}: the workflow's
     * pattern training on the given data (e.g. July and August with the holdout at August 1: July trains, August
     * scores), printing every metric.
     */
    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: PatternTrainingJob <trace.csv.gz[,more]> <holdout-start-unix-s> <maxUsers> <out-dir>");
            System.exit(2);
        }
        SparkSession spark = io.foresight.spark.SparkSessions.getOrCreate("foresight-pattern-training");
        Trace t = io.foresight.core.trace.BitbrainsReader.read(io.foresight.core.trace.BitbrainsReader.paths(args[0]),
                Integer.parseInt(args[2]));
        Result r = new PatternTrainingJob(PatternJob.Config.defaults(42)).run(spark, t, Long.parseLong(args[1]),
                Path.of(args[3]), "cli", Map.of("data.paths", args[0]));
        System.out.println("users " + t.users().size() + ", winner " + r.winner());
        r.metrics().forEach((k, v) -> System.out.printf("%-36s %.4f%n", k, v));
        spark.stop();
    }
}
