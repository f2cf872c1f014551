package io.foresight.spark.forecast;

import io.foresight.core.forecast.TreeEnsemble;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;

/** Flattens a fitted Spark GBT into the core {@link TreeEnsemble} so it can be scored without Spark. */
public final class TreeExport {
    private TreeExport() {}

    /**
     * Writes a fitted GBT pipeline ({@code pipelineDir}) and its core export ({@code treesJson}), the two forms
     * every GBT job leaves: Spark's for reloading, the flat trees for serving without Spark.
     */
    public static void write(org.apache.spark.ml.PipelineModel model, TreeEnsemble trees, java.nio.file.Path pipelineDir,
                             java.nio.file.Path treesJson) {
        try {
            java.nio.file.Files.createDirectories(treesJson.toAbsolutePath().getParent());
            model.write().overwrite().save(pipelineDir.toString());
            java.nio.file.Files.writeString(treesJson, trees.toJson());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write model to " + treesJson.getParent(), e);
        }
    }

    public static TreeEnsemble toEnsemble(GBTRegressionModel model, List<String> featureNames) {
        if (model.numFeatures() != featureNames.size()) {
            throw new IllegalArgumentException("model has " + model.numFeatures() + " features but "
                    + featureNames.size() + " names were given");
        }
        DecisionTreeRegressionModel[] trees = model.trees();
        double[] weights = model.treeWeights();
        List<TreeEnsemble.Tree> out = new ArrayList<>();
        for (int i = 0; i < trees.length; i++) {
            out.add(flatten(trees[i].rootNode(), weights[i]));
        }
        return new TreeEnsemble(featureNames, out);
    }

    /** One Spark tree (regression or classification: the leaf value is its prediction) in flat form. */
    public static TreeEnsemble.Tree flatten(Node root, double weight) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(root);
        // Breadth-first numbering; children are appended as they are met.
        List<int[]> children = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n instanceof InternalNode in) {
                nodes.add(in.leftChild());
                int l = nodes.size() - 1;
                nodes.add(in.rightChild());
                children.add(new int[] {l, nodes.size() - 1});
            } else {
                children.add(new int[] {-1, -1});
            }
        }
        int n = nodes.size();
        int[] feature = new int[n], left = new int[n], right = new int[n];
        double[] threshold = new double[n], value = new double[n];
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            left[i] = children.get(i)[0];
            right[i] = children.get(i)[1];
            value[i] = node.prediction();
            if (node instanceof InternalNode in) {
                if (!(in.split() instanceof ContinuousSplit cs)) {
                    throw new IllegalStateException("categorical splits are not exported: train on continuous features only");
                }
                feature[i] = cs.featureIndex();
                threshold[i] = cs.threshold();
            } else if (node instanceof LeafNode) {
                feature[i] = -1;
            }
        }
        return new TreeEnsemble.Tree(weight, feature, threshold, left, right, value);
    }
}
