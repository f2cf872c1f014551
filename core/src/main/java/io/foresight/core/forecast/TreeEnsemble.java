package io.foresight.core.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A weighted sum of regression trees, evaluated in pure Java: the portable form of a Spark
 * GBT model (exported by spark-jobs' TreeExport). Trees are flat arrays; node 0 is the root; a
 * node with feature -1 is a leaf; otherwise go left when {@code x[feature] <= threshold}, as Spark
 * does for continuous splits.
 *
 * <p>JSON: {@code {"format":"foresight-trees/1","features":[..],"trees":[{"weight":w,
 * "feature":[..],"threshold":[..],"left":[..],"right":[..],"value":[..]}]}}.
 */
public final class TreeEnsemble {
    public static final String FORMAT = "foresight-trees/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> features;
    private final Tree[] trees;

    /** One tree in flat form. */
    public record Tree(double weight, int[] feature, double[] threshold, int[] left, int[] right, double[] value) {
        public Tree {
            int n = feature.length;
            if (threshold.length != n || left.length != n || right.length != n || value.length != n || n == 0) {
                throw new IllegalArgumentException("tree arrays must be non-empty and of equal length");
            }
        }

        /** The leaf value x falls into. */
        public double predict(double[] x) {
            int i = 0;
            while (feature[i] >= 0) {
                i = x[feature[i]] <= threshold[i] ? left[i] : right[i];
            }
            return value[i];
        }
    }

    public TreeEnsemble(List<String> features, List<Tree> trees) {
        this.features = List.copyOf(Objects.requireNonNull(features, "features"));
        this.trees = trees.toArray(new Tree[0]);
        for (Tree t : this.trees) {
            for (int f : t.feature()) {
                if (f >= this.features.size()) {
                    throw new IllegalArgumentException("tree splits on feature " + f + " but only "
                            + this.features.size() + " features are named");
                }
            }
        }
    }

    public List<String> features() { return features; }
    public int size() { return trees.length; }

    /** Sum over trees of weight x leaf value; x must be ordered as {@link #features()}. */
    public double predict(double[] x) {
        double s = 0;
        for (Tree t : trees) {
            s += t.weight() * t.predict(x);
        }
        return s;
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode f = root.putArray("features");
        features.forEach(f::add);
        ArrayNode ts = root.putArray("trees");
        for (Tree t : trees) {
            ObjectNode n = ts.addObject();
            n.put("weight", t.weight());
            ArrayNode a = n.putArray("feature");
            for (int v : t.feature()) a.add(v);
            a = n.putArray("threshold");
            for (double v : t.threshold()) a.add(v);
            a = n.putArray("left");
            for (int v : t.left()) a.add(v);
            a = n.putArray("right");
            for (int v : t.right()) a.add(v);
            a = n.putArray("value");
            for (double v : t.value()) a.add(v);
        }
        return root.toString();
    }

    public static TreeEnsemble fromJson(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (!FORMAT.equals(root.path("format").asText())) {
                throw new IllegalArgumentException("not a tree-ensemble model: format is '" + root.path("format").asText()
                        + "', expected '" + FORMAT + "'. Fix: pass the gbt-trees.json written by ForecastTrainingJob");
            }
            List<String> features = new ArrayList<>();
            root.path("features").forEach(n -> features.add(n.asText()));
            List<Tree> trees = new ArrayList<>();
            for (JsonNode t : root.path("trees")) {
                int n = t.path("feature").size();
                int[] fe = new int[n], le = new int[n], ri = new int[n];
                double[] th = new double[n], va = new double[n];
                for (int i = 0; i < n; i++) {
                    fe[i] = t.path("feature").get(i).asInt();
                    le[i] = t.path("left").get(i).asInt();
                    ri[i] = t.path("right").get(i).asInt();
                    th[i] = t.path("threshold").get(i).asDouble();
                    va[i] = t.path("value").get(i).asDouble();
                }
                trees.add(new Tree(t.path("weight").asDouble(), fe, th, le, ri, va));
            }
            return new TreeEnsemble(features, trees);
        } catch (IOException e) {
            throw new IllegalArgumentException("tree-ensemble JSON is malformed: " + e.getMessage(), e);
        }
    }

    public static TreeEnsemble load(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tree-ensemble model " + file + ": " + e.getMessage()
                    + ". Fix: point to the gbt-trees.json in a trained model directory", e);
        }
    }
}
