package io.foresight.app;

import io.foresight.activities.ControlWorker;
import io.foresight.app.stack.FsConfig;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.spark.activity.TrainingWorker;
import io.foresight.spark.training.TrainingConfig;
import io.foresight.workflows.TaskQueues;
import io.temporal.worker.WorkerFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code foresight worker}: a long-running Temporal worker. The control queue runs the control loops; the
 * training queue runs retraining (the only one that loads Spark). Start more processes to scale out: Temporal
 * spreads the tasks of a queue over every worker polling it, and a control worker also polls a queue of its own, to
 * which a loop pins the shards it gave this process (their users' histories stay in this process's memory).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run a Temporal worker for the control loop and/or retraining until stopped (Ctrl-C / SIGTERM).",
                "A control worker polls the shared queue " + TaskQueues.CONTROL + " and a queue of its own "
                        + "(" + TaskQueues.CONTROL + "@HOST-PID-RANDOM, or control.worker.queue / FORESIGHT_CONTROL_WORKER_QUEUE): "
                        + "each loop pins every shard to one control worker, so that worker alone keeps the shard's users "
                        + "in memory; a shard whose worker is gone moves to a live one (30 s after its heartbeat stops)."})
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--queues", split = ",", defaultValue = "control,training",
            description = "Task queues to poll: control, training (default: ${DEFAULT-VALUE}).")
    List<String> queues;

    @Option(names = "--no-metrics", description = "Do not serve Prometheus metrics.")
    boolean noMetrics;

    @Override
    public Integer call() throws InterruptedException {
        for (String q : queues) {
            if (!q.equals("control") && !q.equals("training")) {
                throw new IllegalArgumentException("unknown queue '" + q + "'. Fix: use --queues control, training or control,training");
            }
        }
        FsConfig config = FsConfig.load();
        MetricsEndpoint metrics = noMetrics ? null : MetricsEndpoint.start(config.get("metrics.ip", "127.0.0.1"), config.getInt("metrics.port", 9464));
        TemporalConnection temporal = TemporalConnection.open(config);
        List<WorkerFactory> factories = new ArrayList<>();
        if (queues.contains("control")) {
            String trainData = config.get("forecast.train.data", null);
            io.foresight.core.trace.Trace train = trainData == null ? null
                    : io.foresight.core.trace.TraceFormat.read(io.foresight.core.trace.BitbrainsReader.paths(trainData));
            // a worker always follows the registry: while MLflow is down it serves the cached champion (or the baseline)
            Models models = Models.forLoop(config, train, true, System.out);
            io.foresight.activities.controlloop.StateStore state = Wiring.stateStore(config);
            String own = config.get("control.worker.queue", null);
            own = own == null || own.isBlank() ? ControlWorker.defaultWorkerQueue() : own.trim();
            factories.add(ControlWorker.start(temporal.client, Wiring.controlWorker(config, models), state,
                    io.temporal.worker.WorkerOptions.getDefaultInstance(), own));
            System.out.println("control worker polling " + TaskQueues.CONTROL + " and its own " + own + " on " + temporal.target
                    + "; loop state in " + state.describe());
        }
        if (queues.contains("training")) {
            factories.add(TrainingWorker.start(temporal.client, trainingConfig(config),
                    MlflowConnection.of(URI.create(config.get("mlflow.tracking.uri", config.mlflowUrl()))), Map.of(),
                    Wiring.trainingData(config)));
            System.out.println("training worker polling " + TaskQueues.TRAINING + " on " + temporal.target);
        }
        if (metrics != null) {
            System.out.println("metrics on http://" + config.get("metrics.ip", "127.0.0.1") + ":" + metrics.port() + "/metrics");
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            factories.forEach(WorkerFactory::shutdown);
            temporal.close();
            if (metrics != null) {
                metrics.close();
            }
            stop.countDown();
        }, "worker-shutdown"));
        stop.await();
        return 0;
    }

    static TrainingConfig trainingConfig(FsConfig config) {
        return new TrainingConfig(config.get("spark.master", null), config.get("spark.jars", null),
                config.stateDir().resolve("training"));
    }
}
