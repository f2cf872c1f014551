package io.foresight.spark.activity;

import io.foresight.mlflow.MlflowConnection;
import io.foresight.spark.SparkSessions;
import io.foresight.spark.training.TrainingConfig;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.retrain.RetrainingWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The training worker process: the only one that loads Spark. Polls {@link TaskQueues#TRAINING} for the
 * retraining workflow and its activities. One activity at a time: a Spark job already uses every core it gets.
 * Configuration: FORESIGHT_TEMPORAL_ADDRESS (default 127.0.0.1:7233), MLFLOW_TRACKING_URI, and the Spark
 * settings of {@link TrainingConfig}.
 */
public final class TrainingWorker {
    private TrainingWorker() {}

    public static WorkerFactory start(WorkflowClient client, TrainingConfig config, MlflowConnection mlflow,
                                      Map<String, String> runTags) {
        return start(client, config, mlflow, runTags, io.foresight.core.eval.RetrainWindow.FILES);
    }

    /** @param data where retraining requests' data is read: trace files, or the live sources this worker can open */
    public static WorkerFactory start(WorkflowClient client, TrainingConfig config, MlflowConnection mlflow,
                                      Map<String, String> runTags, io.foresight.core.eval.RetrainWindow.Data data) {
        java.util.concurrent.atomic.AtomicReference<SparkSession> session = new java.util.concurrent.atomic.AtomicReference<>();
        SparkTrainingActivities activities = new SparkTrainingActivities(() -> {
            synchronized (session) {
                if (session.get() == null) {
                    session.set(SparkSessions.create(config, "foresight-training"));
                }
                return session.get();
            }
        }, config.workDir(), mlflow, runTags, data);
        WorkerFactory factory = WorkerFactory.newInstance(client);
        Worker w = factory.newWorker(TaskQueues.TRAINING, WorkerOptions.newBuilder()
                .setMaxConcurrentActivityExecutionSize(1)
                .build());
        w.registerWorkflowImplementationTypes(RetrainingWorkflowImpl.class);
        w.registerActivitiesImplementations(activities);
        factory.start();
        return factory;
    }

    public static void main(String[] args) {
        String address = System.getenv().getOrDefault("FORESIGHT_TEMPORAL_ADDRESS", "127.0.0.1:7233");
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
        String commit = System.getenv().getOrDefault("FORESIGHT_GIT_COMMIT", "unknown");
        WorkerFactory f = start(WorkflowClient.newInstance(stubs), TrainingConfig.fromEnv(), MlflowConnection.fromEnv(),
                Map.of("git.commit", commit));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            f.shutdown();
            stubs.shutdown();
        }));
        System.out.println("training worker polling " + TaskQueues.TRAINING + " on " + address);
    }
}
