package io.foresight.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.spark.training.LagRegressionJob;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.training.TrainingConfig;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains on a real Spark standalone cluster on 127.0.0.1: a master and a worker (1 core, 1 GiB) started
 * from the Spark jars on the test classpath, with the JVM flags of the parent pom (spark.jvm.flags).
 *
 * <p>How the code reaches the executors, as on a real cluster: the executors get Spark and its
 * dependencies (the test classpath without this project's own class directories, standing in for a Spark
 * distribution's jars/) through spark.executor.extraClassPath, and this module's built jar through
 * spark.jars (FORESIGHT_SPARK_JARS), which the driver serves to them. The worker runs with SPARK_TESTING=1
 * and an empty SPARK_HOME so its executor launcher does not insist on a Spark distribution directory.
 */
class SparkClusterIT {
    @TempDir
    static Path dir;
    static Process master;
    static Process worker;
    static String masterUrl;
    static int masterUi;

    @BeforeAll
    static void startCluster() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> flags = Arrays.stream(System.getProperty("spark.jvm.flags", "").trim().split("\\s+"))
                .filter(s -> !s.isEmpty()).toList();
        int port = freePort();
        masterUi = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        master = launch("master", flags, cp, "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(masterUi));
        awaitJson(json -> json.contains("\"status\" : \"ALIVE\"") || json.contains("\"status\":\"ALIVE\""), "master alive");
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        worker = launch("worker", flags, cp, "org.apache.spark.deploy.worker.Worker", masterUrl,
                "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", Integer.toString(freePort()),
                "--work-dir", Files.createDirectories(dir.resolve("worker")).toString(),
                "-Dspark.home=" + sparkHome);
        awaitJson(json -> json.replace(" ", "").contains("\"aliveworkers\":1"), "one worker registered");
    }

    private static Process launch(String name, List<String> flags, String cp, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(main);
        cmd.addAll(Arrays.stream(args).filter(a -> !a.startsWith("-Dspark.home=")).toList());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_TESTING", "1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Arrays.stream(args).filter(a -> a.startsWith("-Dspark.home="))
                .forEach(a -> pb.environment().put("SPARK_HOME", a.substring("-Dspark.home=".length())));
        return pb.start();
    }

    private static void awaitJson(java.util.function.Predicate<String> ok, String what) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                throw new IllegalStateException("spark master died:\n" + Files.readString(dir.resolve("master.log")));
            }
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (ok.test(last)) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("timed out waiting for " + what + "; master says " + last);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (Process p : new Process[] {worker, master}) {
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void trainsOnTheStandaloneCluster() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // "the Spark distribution": every dependency jar, none of this project's class directories
        String executorCp = Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> !e.contains(File.separator + "target" + File.separator)).collect(Collectors.joining(File.pathSeparator));
        Path moduleJar;
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            moduleJar = s.filter(p -> p.getFileName().toString().matches("foresight-spark-jobs-.*(?<!-tests)\\.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("build the module jar first (mvn verify)"));
        }
        Path coreJarOrClasses = Path.of(io.foresight.core.trace.UserSeries.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Properties props = new Properties();
        props.setProperty("spark.master", masterUrl);
        props.setProperty("spark.jars", moduleJar.toAbsolutePath() + (coreJarOrClasses.toString().endsWith(".jar") ? "," + coreJarOrClasses : ""));
        props.setProperty("foresight.training.dir", dir.resolve("training").toString());
        TrainingConfig config = new TrainingConfig(masterUrl, props.getProperty("spark.jars"), dir.resolve("training"));
        assertEquals(false, config.local());

        System.setProperty("foresight.spark.executorClassPath", executorCp);
        System.setProperty("foresight.spark.executorJavaOptions", System.getProperty("spark.jvm.flags", ""));
        // an earlier test in this JVM may have left a local session, which getOrCreate would hand back
        scala.Option<SparkSession> left = SparkSession.getDefaultSession();
        if (left.isDefined()) {
            left.get().stop();
        }
        SparkSession.clearDefaultSession();
        SparkSession.clearActiveSession();
        SparkSession spark = SparkSessions.create(config, "cluster-it");
        try {
            assertEquals(masterUrl, spark.sparkContext().master());
            Path slice = Path.of(getClass().getResource("/bitbrains-2013-08-3vms.csv.gz").toURI());
            LagRegressionJob.FeatureTable t = LagRegressionJob.writeFeatures(spark, List.of(slice), 0, dir.resolve("training/features"));
            LagRegressionJob.Fit fit = LagRegressionJob.fit(spark, t, 20, 0.001);
            double mae = LagRegressionJob.holdoutMae(spark, fit.model(), t);
            double naive = LagRegressionJob.baselineMae(spark, t);
            System.out.printf("cluster holdout MAE: linear %.5f, seasonal naive %.5f%n", mae, naive);
            assertTrue(mae < naive, mae + " vs " + naive);
            // the work ran on the worker's executor, not in the driver
            int executors = spark.sparkContext().getExecutorMemoryStatus().size() - 1;
            assertEquals(1, executors, "one executor besides the driver");
            String app = Files.readString(dir.resolve("master.log"));
            assertTrue(app.contains("Registering app cluster-it"), "the master accepted the application");
            try (Stream<Path> s = Files.walk(dir.resolve("worker"))) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().equals(moduleJar.getFileName().toString())),
                        "the module jar was shipped to the executor's work dir");
            }
        } finally {
            spark.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
