package io.foresight.spark.training;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where training runs and writes. Read from the environment (system properties win, for tests):
 * <ul>
 *   <li>{@code FORESIGHT_SPARK_MASTER} / {@code spark.master}: a cluster URL such as spark://host:7077;
 *       unset means local mode ({@code local[*]})</li>
 *   <li>{@code FORESIGHT_SPARK_JARS} / {@code spark.jars}: comma-separated jars shipped to executors
 *       (on a cluster: this module's jar and foresight-core's)</li>
 *   <li>{@code FORESIGHT_TRAINING_DIR} / {@code foresight.training.dir}: feature tables and fitted models
 *       (default .foresight/training); on a cluster it must be a path every node sees</li>
 * </ul>
 */
public record TrainingConfig(String sparkMaster, String sparkJars, Path workDir) {
    public static final String LOCAL = "local[*]";

    public TrainingConfig {
        Objects.requireNonNull(workDir, "workDir");
        sparkMaster = sparkMaster == null || sparkMaster.isBlank() ? LOCAL : sparkMaster.trim();
        sparkJars = sparkJars == null ? "" : sparkJars.trim();
        if (!sparkMaster.startsWith("local") && !sparkMaster.startsWith("spark://") && !sparkMaster.startsWith("yarn")
                && !sparkMaster.startsWith("k8s://")) {
            throw new IllegalArgumentException("spark master '" + sparkMaster
                    + "' is not a Spark master URL: use local[N], spark://host:port, yarn or k8s://...");
        }
    }

    public boolean local() {
        return sparkMaster.startsWith("local");
    }

    public static TrainingConfig fromEnv() {
        return from(System.getenv(), System.getProperties());
    }

    static TrainingConfig from(Map<String, String> env, java.util.Properties props) {
        return new TrainingConfig(
                props.getProperty("spark.master", env.get("FORESIGHT_SPARK_MASTER")),
                props.getProperty("spark.jars", env.get("FORESIGHT_SPARK_JARS")),
                Path.of(props.getProperty("foresight.training.dir", env.getOrDefault("FORESIGHT_TRAINING_DIR", ".foresight/training"))));
    }
}
