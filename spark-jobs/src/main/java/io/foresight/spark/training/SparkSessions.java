package io.foresight.spark.training;

import org.apache.spark.sql.SparkSession;

/** Builds the training SparkSession: local mode by default, the configured cluster otherwise. */
public final class SparkSessions {
    private SparkSessions() {}

    public static SparkSession create(TrainingConfig config, String appName) {
        SparkSession.Builder b = SparkSession.builder()
                .appName(appName)
                .master(config.sparkMaster())
                // loopback only: this machine has no other interface the cluster should listen on
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.warehouse.dir", config.workDir().resolve("spark-warehouse").toAbsolutePath().toString())
                .config("spark.sql.shuffle.partitions", "4");
        if (!config.sparkJars().isEmpty()) {
            b.config("spark.jars", config.sparkJars());
        }
        if (!config.local()) {
            // executors are fresh JVMs: give them the module flags spark-submit would add
            String flags = System.getProperty("foresight.spark.executorJavaOptions");
            if (flags != null && !flags.isBlank()) {
                b.config("spark.executor.extraJavaOptions", flags);
            }
            String cp = System.getProperty("foresight.spark.executorClassPath");
            if (cp != null && !cp.isBlank()) {
                b.config("spark.executor.extraClassPath", cp);
            }
            b.config("spark.executor.memory", System.getProperty("foresight.spark.executorMemory", "768m"));
            b.config("spark.cores.max", System.getProperty("foresight.spark.coresMax", "1"));
        }
        return b.getOrCreate();
    }
}
