package io.foresight.core.archfixture;

/** Breaks the core rule on purpose (ArchitectureTest proves the rule catches it): core holding a Spark type. */
public class CoreUsingSpark {
    org.apache.spark.sql.SparkSession spark;
}
