package io.foresight.spark.pattern;

import io.foresight.core.features.PatternClassifier;
import io.foresight.core.forecast.TreeEnsemble;
import io.foresight.spark.forecast.TreeExport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.LinearSVCModel;
import org.apache.spark.ml.classification.OneVsRestModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.feature.StandardScalerModel;

/** Exports a fitted pattern pipeline (assembler, scaler, RandomForest or OneVsRest LinearSVC) to core's classifier. */
public final class PatternExport {
    private PatternExport() {}

    public static PatternClassifier toClassifier(PipelineModel model, String version, Map<String, Double> metrics) {
        StandardScalerModel scaler = null;
        Transformer last = null;
        for (Transformer t : model.stages()) {
            if (t instanceof StandardScalerModel s) {
                scaler = s;
            }
            last = t;
        }
        if (scaler == null || !scaler.getWithMean() || !scaler.getWithStd()) {
            throw new IllegalArgumentException("the pattern pipeline must standardize with mean and std");
        }
        double[] mean = scaler.mean().toArray();
        double[] std = scaler.std().toArray();
        if (last instanceof RandomForestClassificationModel rf) {
            List<TreeEnsemble.Tree> trees = new ArrayList<>();
            for (DecisionTreeClassificationModel t : rf.trees()) {
                trees.add(TreeExport.flatten(t.rootNode(), 1.0));
            }
            return new PatternClassifier(PatternClassifier.FOREST, version, mean, std, trees, null, null, metrics);
        }
        if (last instanceof OneVsRestModel ovr) {
            ClassificationModel<?, ?>[] models = ovr.models();
            double[][] coef = new double[models.length][];
            double[] icpt = new double[models.length];
            for (int c = 0; c < models.length; c++) {
                LinearSVCModel m = (LinearSVCModel) models[c];
                coef[c] = m.coefficients().toArray();
                icpt[c] = m.intercept();
            }
            return new PatternClassifier(PatternClassifier.SVM, version, mean, std, null, coef, icpt, metrics);
        }
        throw new IllegalArgumentException("cannot export " + (last == null ? "an empty pipeline" : last.getClass().getSimpleName())
                + ": the pattern pipeline must end in a RandomForest or a OneVsRest LinearSVC");
    }
}
