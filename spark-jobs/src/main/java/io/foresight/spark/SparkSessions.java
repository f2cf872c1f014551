package io.foresight.spark;

import org.apache.spark.SparkConf;
import io.foresight.spark.training.TrainingConfig;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession for every Foresight job (the one place sessions are made). The master comes from {@code spark.master}
 * (system property, set by spark-submit) or the {@code SPARK_MASTER} environment variable; only
 * when neither is set does it fall back to {@code local[2]} (the dev machine has 2 cores). The
 * driver binds to loopback unless configured otherwise, so nothing listens on a public address.
 */
public final class SparkSessions {
    public static final String DEFAULT_MASTER = "local[2]";

    private SparkSessions() {}

    public static SparkSession getOrCreate(String appName) {
        SparkConf conf = new SparkConf(); // loads spark.* system properties
        if (!conf.contains("spark.master")) {
            String env = System.getenv("SPARK_MASTER");
            conf.setMaster(env == null || env.isBlank() ? DEFAULT_MASTER : env.trim());
        }
        conf.setIfMissing("spark.driver.host", "127.0.0.1");
        conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        conf.setIfMissing("spark.ui.enabled", "false");
        // Small data on few cores: the default 200 shuffle partitions only add scheduling overhead.
        conf.setIfMissing("spark.sql.shuffle.partitions", "4");
        conf.setIfMissing("spark.sql.session.timeZone", "UTC");
        return SparkSession.builder().appName(appName).config(conf).getOrCreate();
    }

    /** The training worker's session: the configured master (local or a cluster), with executor settings for a cluster. */
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
