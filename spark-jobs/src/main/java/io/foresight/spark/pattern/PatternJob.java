package io.foresight.spark.pattern;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternClassifier;
import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Pattern;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.TraceDatasets;
import io.foresight.spark.features.FeatureJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.OneVsRest;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Behaviour patterns. Clusters profiles (columns {@link FeatureVector#NAMES}) with KMeans after a
 * StandardScaler, names each cluster by {@link PatternRules} applied to its centroid in original
 * units, and trains two classifiers of labelled profiles: RandomForest and one-vs-rest LinearSVC.
 * Models are Spark PipelineModels saved under {@code outDir}/{kmeans,random-forest,svm-ovr}.
 */
public final class PatternJob {
    public static final String LABEL = "label";

    /** Settings: clusters, forest size, seed. */
    public record Config(int k, int trees, int svmIterations, long seed) {
        public static Config defaults(long seed) {
            return new Config(5, 30, 50, seed);
        }
    }

    /** Fitted clustering: model and the pattern of each cluster. */
    public record Clustering(PipelineModel model, Map<Integer, Pattern> names) {}

    private final Config config;

    public PatternJob(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Profiles as a Dataset (user, label = Pattern ordinal or -1, window, features...). */
    public static Dataset<Row> toDataset(SparkSession spark, List<FeatureVector> vectors, List<Pattern> labels) {
        StructType schema = new StructType().add("user", DataTypes.StringType).add(LABEL, DataTypes.DoubleType)
                .add("window", DataTypes.LongType);
        for (String n : FeatureVector.NAMES) {
            schema = schema.add(n, DataTypes.DoubleType);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            FeatureVector v = vectors.get(i);
            Object[] o = new Object[3 + v.values().length];
            o[0] = v.user();
            o[1] = labels == null ? -1.0 : (double) labels.get(i).ordinal();
            o[2] = v.from();
            for (int k = 0; k < v.values().length; k++) {
                o[3 + k] = v.values()[k];
            }
            rows.add(RowFactory.create(o));
        }
        return spark.createDataFrame(rows, schema);
    }

    private static VectorAssembler assembler() {
        return new VectorAssembler().setInputCols(FeatureVector.NAMES.toArray(new String[0])).setOutputCol("raw");
    }

    private static StandardScaler scaler() {
        return new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true).setWithStd(true);
    }

    public Clustering cluster(Dataset<Row> profiles) {
        KMeans km = new KMeans().setK(config.k()).setSeed(config.seed()).setFeaturesCol("features").setPredictionCol("cluster");
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler(), scaler(), km}).fit(profiles);
        return new Clustering(model, nameClusters(model.transform(profiles)));
    }

    /** Applies the rules to each cluster's mean profile in original units (the unscaled centroid). */
    static Map<Integer, Pattern> nameClusters(Dataset<Row> clustered) {
        List<Column> aggs = new ArrayList<>();
        for (String n : FeatureVector.NAMES) {
            aggs.add(avg(n).as(n));
        }
        Map<Integer, Pattern> names = new HashMap<>();
        for (Row r : clustered.groupBy("cluster").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
                .collectAsList()) {
            double[] v = new double[FeatureVector.NAMES.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.getDouble(r.fieldIndex(FeatureVector.NAMES.get(i)));
            }
            names.put(r.getInt(r.fieldIndex("cluster")), PatternRules.name(new FeatureVector("centroid", 0, 0, v)));
        }
        return names;
    }

    /** The pattern per (user, window) from a clustering. */
    public static Map<String, Map<Long, Pattern>> assign(Clustering c, Dataset<Row> profiles) {
        Map<String, Map<Long, Pattern>> out = new LinkedHashMap<>();
        for (Row r : c.model().transform(profiles).select("user", "window", "cluster").collectAsList()) {
            out.computeIfAbsent(r.getString(0), u -> new HashMap<>())
                    .put(r.getLong(1), c.names().getOrDefault(r.getInt(2), Pattern.UNKNOWN));
        }
        return out;
    }

    public PipelineModel trainForest(Dataset<Row> labelled) {
        RandomForestClassifier rf = new RandomForestClassifier().setLabelCol(LABEL).setFeaturesCol("features")
                .setNumTrees(config.trees()).setSeed(config.seed());
        return new Pipeline().setStages(new PipelineStage[] {assembler(), scaler(), rf}).fit(labelled);
    }

    public PipelineModel trainSvm(Dataset<Row> labelled) {
        LinearSVC svc = new LinearSVC().setMaxIter(config.svmIterations()).setRegParam(0.01);
        OneVsRest ovr = new OneVsRest().setClassifier(svc).setLabelCol(LABEL).setFeaturesCol("features");
        return new Pipeline().setStages(new PipelineStage[] {assembler(), scaler(), ovr}).fit(labelled);
    }

    /** accuracy, weighted precision and weighted recall of a fitted classifier on labelled rows. */
    public static Map<String, Double> evaluate(PipelineModel model, Dataset<Row> labelled) {
        Dataset<Row> p = model.transform(labelled);
        Map<String, Double> m = new LinkedHashMap<>();
        for (String metric : List.of("accuracy", "weightedPrecision", "weightedRecall")) {
            m.put(metric, new MulticlassClassificationEvaluator().setLabelCol(LABEL).setPredictionCol("prediction")
                    .setMetricName(metric).evaluate(p));
        }
        return m;
    }

    /**
     * Trains and scores on labelled synthetic users (seeded 70/30 split), saves the three models
     * under {@code outDir} and returns metrics with prefixes kmeans_rules_, rf_, svm_.
     */
    public Map<String, Double> runSynthetic(SparkSession spark, int perPattern, int days, Path outDir) {
        List<SyntheticUsers.Labelled> users = SyntheticUsers.generate(perPattern, days, config.seed());
        List<FeatureVector> vectors = new ArrayList<>();
        List<Pattern> labels = new ArrayList<>();
        for (SyntheticUsers.Labelled u : users) {
            UserSeries s = u.series();
            vectors.add(UserFeatures.profile(s, s.timestamp(0), s.timestamp(s.size() - 1) + s.stepSeconds()));
            labels.add(u.pattern());
        }
        Dataset<Row> all = toDataset(spark, vectors, labels).cache();
        Dataset<Row>[] split = all.randomSplit(new double[] {0.7, 0.3}, config.seed());
        Map<String, Double> m = new LinkedHashMap<>();
        Clustering c = cluster(split[0]);
        long correct = 0;
        List<Row> test = c.model().transform(split[1]).select(LABEL, "cluster").collectAsList();
        for (Row r : test) {
            correct += c.names().getOrDefault(r.getInt(1), Pattern.UNKNOWN).ordinal() == (int) r.getDouble(0) ? 1 : 0;
        }
        m.put("kmeans_rules_accuracy", test.isEmpty() ? Double.NaN : (double) correct / test.size());
        PipelineModel rf = trainForest(split[0]);
        PipelineModel svm = trainSvm(split[0]);
        evaluate(rf, split[1]).forEach((k, v) -> m.put("rf_" + k, v));
        evaluate(svm, split[1]).forEach((k, v) -> m.put("svm_" + k, v));
        m.put("test_users", (double) test.size());
        try {
            c.model().write().overwrite().save(outDir.resolve("kmeans").toString());
            rf.write().overwrite().save(outDir.resolve("random-forest").toString());
            svm.write().overwrite().save(outDir.resolve("svm-ovr").toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save pattern models to " + outDir, e);
        }
        all.unpersist();
        return m;
    }

    /**
     * Weekly profiles of real users (Spark FeatureJob), clustered and named; returns the share of
     * users whose pattern in week k equals week k+1, over all consecutive week pairs, plus the
     * pattern mix.
     */
    public Map<String, Double> weeklyStability(Dataset<Row> usage, int stepSeconds) {
        Row range = usage.agg(org.apache.spark.sql.functions.min("ts"), org.apache.spark.sql.functions.max("ts")).first();
        long start = range.getLong(0);
        long end = range.getLong(1);
        FeatureJob features = new FeatureJob(stepSeconds, List.of());
        Dataset<Row> weekly = null;
        for (long w = start; w + 7 * 86_400L <= end + stepSeconds; w += 7 * 86_400L) {
            Dataset<Row> p = features.profiles(usage, w, w + 7 * 86_400L, UserFeatures.DEFAULT_ACTIVE_THRESHOLDS)
                    .withColumn("window", org.apache.spark.sql.functions.lit(w))
                    .withColumn(LABEL, org.apache.spark.sql.functions.lit(-1.0));
            weekly = weekly == null ? p : weekly.unionByName(p);
        }
        if (weekly == null) {
            throw new IllegalArgumentException("the data spans less than one week: stability needs at least two weeks");
        }
        return stability(weekly.cache());
    }

    /**
     * Same as {@link #weeklyStability(Dataset, int)} with the weekly profiles computed by core
     * {@link UserFeatures#profile} (equal to FeatureJob's by FeatureJobTest) and weeks counted from
     * each user's first interval; much faster on the full traces.
     */
    public Map<String, Double> weeklyStability(SparkSession spark, java.util.Collection<UserSeries> users) {
        List<FeatureVector> weekly = new ArrayList<>();
        long start = Long.MAX_VALUE;
        for (UserSeries s : users) {
            start = Math.min(start, s.timestamp(0));
        }
        for (UserSeries s : users) {
            long last = s.timestamp(s.size() - 1) + s.stepSeconds();
            for (long w = start; w + 7 * 86_400L <= last; w += 7 * 86_400L) {
                if (w + 7 * 86_400L <= s.timestamp(0)) {
                    continue; // the user did not exist yet
                }
                weekly.add(UserFeatures.profile(s, w, w + 7 * 86_400L));
            }
        }
        if (weekly.isEmpty()) {
            throw new IllegalArgumentException("the data spans less than one week: stability needs at least two weeks");
        }
        return stability(toDataset(spark, weekly, null).cache());
    }

    private Map<String, Double> stability(Dataset<Row> weekly) {
        Clustering c = cluster(weekly);
        Map<String, Map<Long, Pattern>> byUser = assign(c, weekly);
        long pairs = 0, same = 0;
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map<Long, Pattern> weeks : byUser.values()) {
            for (var e : weeks.entrySet()) {
                Pattern next = weeks.get(e.getKey() + 7 * 86_400L);
                m.merge("share_" + e.getValue().name().toLowerCase(), 1.0, Double::sum);
                if (next != null) {
                    pairs++;
                    same += next == e.getValue() ? 1 : 0;
                }
            }
        }
        double total = byUser.values().stream().mapToInt(Map::size).sum();
        m.replaceAll((k, v) -> v / total);
        m.put("week_pairs", (double) pairs);
        m.put("weekly_stability", pairs == 0 ? Double.NaN : (double) same / pairs);
        weekly.unpersist();
        return m;
    }

    /** Feature vectors of windows and the rules' pattern of the window that follows each (the label to predict). */
    public record NextWindowPairs(List<FeatureVector> features, List<Pattern> now, List<Pattern> next) {}

    /**
     * Every user's consecutive windows of {@code windowDays} (from the user's first interval), each at least a quarter
     * observed: the features of one (not-a-number as 0, as the served classifier reads them), the rules' name of it
     * (the persistence baseline) and of the next (the label).
     */
    public static NextWindowPairs nextWindowPairs(java.util.Collection<UserSeries> users, int windowDays) {
        long w = windowDays * 86_400L;
        List<FeatureVector> x = new ArrayList<>();
        List<Pattern> now = new ArrayList<>();
        List<Pattern> next = new ArrayList<>();
        for (UserSeries s : users) {
            if (s.size() == 0) {
                continue;
            }
            long end = s.timestamp(s.size() - 1) + s.stepSeconds();
            for (long from = s.timestamp(0); from + 2 * w <= end; from += w) {
                if (!observed(s, from, from + w) || !observed(s, from + w, from + 2 * w)) {
                    continue;
                }
                FeatureVector v = UserFeatures.profile(s, from, from + w);
                x.add(new FeatureVector(v.user(), v.from(), v.to(), io.foresight.core.features.PatternClassifier.input(v)));
                now.add(PatternRules.name(v));
                next.add(PatternRules.name(UserFeatures.profile(s, from + w, from + 2 * w)));
            }
        }
        return new NextWindowPairs(x, now, next);
    }

    private static boolean observed(UserSeries s, long from, long to) {
        int n = 0;
        int seen = 0;
        double[] cpu = s.usageColumn(io.foresight.core.model.Resource.CPU);
        for (int i = 0; i < s.size(); i++) {
            long t = s.timestamp(i);
            if (t >= from && t < to) {
                n++;
                seen += Double.isNaN(cpu[i]) ? 0 : 1;
            }
        }
        return n > 0 && seen * 4 >= (to - from) / s.stepSeconds();
    }

    /**
     * RandomForest against one-vs-rest LinearSVC on real data: trained on {@code train}'s pairs (this window's features
     * -> the next window's pattern), scored on {@code test}'s, next to the persistence baseline (the rules' name of
     * this window). Saves the Spark pipelines under {@code outDir/spark/} and the exported classifiers the profiler
     * serves as {@code outDir/random-forest.json} and {@code outDir/svm.json}. Metrics: rf_, svm_ (accuracy,
     * weightedPrecision, weightedRecall), persistence_accuracy, majority_accuracy, train_pairs, test_pairs.
     */
    public Map<String, Double> trainNextWindow(SparkSession spark, Trace train, Trace test, int windowDays, Path outDir,
                                               String version) {
        NextWindowPairs tr = nextWindowPairs(train.users().values(), windowDays);
        NextWindowPairs te = nextWindowPairs(test.users().values(), windowDays);
        if (tr.features().isEmpty() || te.features().isEmpty()) {
            throw new IllegalArgumentException("pattern training needs two consecutive " + windowDays + "-day windows of a "
                    + "user in both the training and the test data: pass longer traces or a shorter window");
        }
        Dataset<Row> a = toDataset(spark, tr.features(), tr.next()).cache();
        Dataset<Row> b = toDataset(spark, te.features(), te.next()).cache();
        PipelineModel rf = trainForest(a);
        PipelineModel svm = trainSvm(a);
        Map<String, Double> m = new LinkedHashMap<>();
        Map<String, Double> rfm = evaluate(rf, b);
        Map<String, Double> svmm = evaluate(svm, b);
        rfm.forEach((k, v) -> m.put("rf_" + k, v));
        svmm.forEach((k, v) -> m.put("svm_" + k, v));
        long same = 0;
        int[] count = new int[Pattern.values().length];
        for (int i = 0; i < te.next().size(); i++) {
            same += te.now().get(i) == te.next().get(i) ? 1 : 0;
        }
        for (Pattern p : tr.next()) {
            count[p.ordinal()]++;
        }
        int major = 0;
        for (int c = 1; c < count.length; c++) {
            major = count[c] > count[major] ? c : major;
        }
        long hit = 0;
        for (Pattern p : te.next()) {
            hit += p.ordinal() == major ? 1 : 0;
        }
        m.put("persistence_accuracy", (double) same / te.next().size());
        m.put("majority_accuracy", (double) hit / te.next().size());
        m.put("train_pairs", (double) tr.next().size());
        m.put("test_pairs", (double) te.next().size());
        try {
            rf.write().overwrite().save(outDir.resolve("spark").resolve("random-forest").toString());
            svm.write().overwrite().save(outDir.resolve("spark").resolve("svm-ovr").toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save pattern models to " + outDir, e);
        }
        PatternExport.toClassifier(rf, PatternClassifier.FOREST + "/" + version, withBaseline(rfm, m))
                .save(outDir.resolve("random-forest.json"));
        PatternExport.toClassifier(svm, PatternClassifier.SVM + "/" + version, withBaseline(svmm, m))
                .save(outDir.resolve("svm.json"));
        a.unpersist();
        b.unpersist();
        return m;
    }

    private static Map<String, Double> withBaseline(Map<String, Double> own, Map<String, Double> all) {
        Map<String, Double> out = new LinkedHashMap<>(own);
        out.put("persistence_accuracy", all.get("persistence_accuracy"));
        out.put("test_pairs", all.get("test_pairs"));
        return out;
    }

    /**
     * spark-submit entry: {@code PatternJob <out-dir> [bitbrains.csv[,...] [maxUsers]]}: synthetic
     * accuracy always; weekly stability when trace files are given.
     */
    public static void main(String[] args) {
        if (args.length >= 4 && args[0].equals("next-window")) {
            // PatternJob next-window TRAIN TEST OUT-DIR [window-days] [maxUsers]
            SparkSession spark = SparkSessions.getOrCreate("foresight-patterns");
            int days = args.length > 4 ? Integer.parseInt(args[4]) : 1;
            int max = args.length > 5 ? Integer.parseInt(args[5]) : Integer.MAX_VALUE;
            Trace tr = BitbrainsReader.read(BitbrainsReader.paths(args[1]), max);
            Trace te = BitbrainsReader.read(BitbrainsReader.paths(args[2]), max);
            new PatternJob(Config.defaults(42)).trainNextWindow(spark, tr, te, days, Path.of(args[3]), days + "d")
                    .forEach((k, v) -> System.out.printf("%-32s %.4f%n", k, v));
            spark.stop();
            return;
        }
        if (args.length < 1) {
            System.err.println("usage: PatternJob <out-dir> [bitbrains.csv[,more.csv] [maxUsers]]");
            System.exit(2);
        }
        SparkSession spark = SparkSessions.getOrCreate("foresight-patterns");
        PatternJob job = new PatternJob(Config.defaults(42));
        job.runSynthetic(spark, 40, 14, Path.of(args[0])).forEach((k, v) -> System.out.printf("%-32s %.4f%n", k, v));
        if (args.length > 1) {
            Trace t = BitbrainsReader.read(BitbrainsReader.paths(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE);
            job.weeklyStability(TraceDatasets.usage(spark, t), t.stepSeconds())
                    .forEach((k, v) -> System.out.printf("%-32s %.4f%n", k, v));
        }
        spark.stop();
    }
}
