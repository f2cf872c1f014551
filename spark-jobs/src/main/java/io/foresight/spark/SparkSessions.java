package io.foresight.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession for every Foresight job. The master comes from {@code spark.master}
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
}
