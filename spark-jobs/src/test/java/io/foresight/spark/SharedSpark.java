package io.foresight.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension giving every test class the same local[2] SparkSession: started once per test
 * JVM (Spark start-up costs seconds), stopped when the whole run ends.
 */
public final class SharedSpark implements BeforeAllCallback {
    private static SparkSession spark;

    public static synchronized SparkSession session() {
        if (spark == null) {
            System.setProperty("spark.master", System.getProperty("spark.master", "local[2]"));
            // Test data is tiny: one shuffle partition avoids scheduling dozens of empty tasks.
            System.setProperty("spark.sql.shuffle.partitions", System.getProperty("spark.sql.shuffle.partitions", "1"));
            spark = SparkSessions.getOrCreate("foresight-tests");
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        session();
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("foresight-spark", k -> (ExtensionContext.Store.CloseableResource) () -> {
                    synchronized (SharedSpark.class) {
                        if (spark != null) {
                            spark.stop();
                            spark = null;
                        }
                    }
                });
    }
}
