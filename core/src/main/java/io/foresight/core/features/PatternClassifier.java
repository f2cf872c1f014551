package io.foresight.core.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.core.model.Pattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A behaviour-pattern classifier trained on Spark (RandomForest or one-vs-rest LinearSVC over the standardized
 * {@link FeatureVector}, see the spark-jobs PatternJob) and exported so the engine's profiler serves it without
 * Spark: it predicts the pattern a user's next window will show from the current window's features.
 * <ul>
 *   <li>{@code random-forest}: each tree's leaf is a class; the most voted class wins (ties: the lowest class);</li>
 *   <li>{@code linear-svc-ovr}: one linear margin per class; the largest wins (as Spark's OneVsRest picks).</li>
 * </ul>
 * Features are standardized with the training mean and standard deviation (a constant feature contributes 0);
 * a feature that is not a number (a window too short for it) enters as 0, in training and here alike.
 *
 * @param kind         {@link #FOREST} or {@link #SVM}
 * @param version      recorded with every profile version it produced (e.g. "random-forest/2013-07")
 * @param mean         training mean per feature
 * @param std          training standard deviation per feature
 * @param trees        the forest (kind forest)
 * @param coefficients one row per class (kind svm)
 * @param intercepts   one per class (kind svm)
 * @param metrics      held-out accuracy, weighted precision and recall (and the rules' persistence baseline)
 */
public record PatternClassifier(String kind, String version, double[] mean, double[] std, List<TreeEnsemble.Tree> trees,
                                double[][] coefficients, double[] intercepts, Map<String, Double> metrics) {
    public static final String FOREST = "random-forest";
    public static final String SVM = "linear-svc-ovr";

    public PatternClassifier {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(version, "version");
        int n = FeatureVector.NAMES.size();
        if (mean == null || std == null || mean.length != n || std.length != n) {
            throw new IllegalArgumentException("a pattern classifier needs the mean and std of the " + n + " features");
        }
        switch (kind) {
            case FOREST -> {
                if (trees == null || trees.isEmpty()) {
                    throw new IllegalArgumentException("a random forest needs at least one tree");
                }
            }
            case SVM -> {
                if (coefficients == null || intercepts == null || coefficients.length == 0
                        || coefficients.length != intercepts.length) {
                    throw new IllegalArgumentException("a one-vs-rest SVM needs one coefficient row and intercept per class");
                }
                for (double[] c : coefficients) {
                    if (c.length != n) {
                        throw new IllegalArgumentException("each SVM coefficient row needs " + n + " values");
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown classifier kind '" + kind + "': use " + FOREST + " or " + SVM);
        }
        trees = trees == null ? List.of() : List.copyOf(trees);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    /** The features as the classifier was trained on them: not-a-number as 0 (before standardizing). */
    public static double[] input(FeatureVector v) {
        double[] x = v.values().clone();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                x[i] = 0;
            }
        }
        return x;
    }

    /** The predicted pattern of the next window. */
    public Pattern predict(FeatureVector v) {
        return classify(v).pattern();
    }

    /**
     * The predicted pattern and how sure the model is of it.
     *
     * @param confidence forest: the share of trees voting for the pattern; SVM: the softmax of the one-vs-rest
     *                   margins at the pattern (margins are not calibrated probabilities, but a clear winner
     *                   scores near 1 and a near tie near 1 / classes, which is what spot eligibility needs)
     */
    public record Prediction(Pattern pattern, double confidence) {}

    /** {@link #predict} with its confidence. */
    public Prediction classify(FeatureVector v) {
        double[] p = probabilities(v);
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c; // ties: the lowest class, as Spark's argmax
            }
        }
        return new Prediction(Pattern.values()[best], p[best]);
    }

    /** A score per pattern (indexed by ordinal), summing to 1: see {@link Prediction#confidence()}. */
    public double[] probabilities(FeatureVector v) {
        double[] raw = input(v);
        double[] x = new double[raw.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = std[i] == 0 ? 0 : (raw[i] - mean[i]) / std[i];
        }
        Pattern[] all = Pattern.values();
        double[] p = new double[all.length];
        if (kind.equals(FOREST)) {
            int n = 0;
            for (TreeEnsemble.Tree t : trees) {
                int c = (int) t.predict(x);
                if (c >= 0 && c < all.length) {
                    p[c]++;
                    n++;
                }
            }
            for (int c = 0; c < p.length; c++) {
                p[c] = n == 0 ? 0 : p[c] / n;
            }
            return p;
        }
        int classes = Math.min(coefficients.length, all.length);
        double[] m = new double[classes];
        double top = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            m[c] = intercepts[c];
            for (int i = 0; i < x.length; i++) {
                m[c] += coefficients[c][i] * x[i];
            }
            top = Math.max(top, m[c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            p[c] = Math.exp(m[c] - top);
            sum += p[c];
        }
        for (int c = 0; c < classes; c++) {
            p[c] /= sum;
        }
        return p;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public void save(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pattern classifier " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #save}; a bad file fails naming it and the fix. */
    public static PatternClassifier load(Path file) {
        try {
            return JSON.readValue(file.toFile(), PatternClassifier.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read pattern classifier " + file + ": " + e.getMessage()
                    + ". Fix: pass a file the pattern training wrote (patterns/random-forest.json or svm.json)", e);
        }
    }
}
