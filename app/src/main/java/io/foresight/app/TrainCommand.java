package io.foresight.app;

import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainResult;
import io.foresight.workflows.retrain.RetrainSchedule;
import io.foresight.workflows.retrain.RetrainingWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `foresight train`: starts a retraining workflow on the Temporal server (the training worker runs it),
 * or with --every creates/updates the Temporal Schedule that retrains periodically.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Retrain a forecasting model (extract features, train on Spark, backtest, register in MLflow, gate).")
public final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", defaultValue = "${env:FORESIGHT_TRAIN_DATA}",
            description = "Bitbrains CSV files (gzip or plain), comma-separated, readable by the training worker; default $FORESIGHT_TRAIN_DATA")
    String data;
    @Option(names = "--max-users", defaultValue = "0", description = "use only the first N users (VMs); 0 = all (default)")
    int maxUsers;
    @Option(names = "--model", defaultValue = RetrainRequest.REGISTERED_MODEL,
            description = "MLflow registered model; default ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--family", defaultValue = RetrainRequest.DEFAULT_FAMILY,
            description = "model family: blend-conformal, gbt, seasonal-ar, decomposable, per-user-selection, lag-linear or recent-median"
                    + " (MLflow experiment foresight/<family>); default ${DEFAULT-VALUE}")
    String family;
    @Option(names = "--holdout-days", defaultValue = "2",
            description = "last days of the data the gate backtests on (not trained on); default ${DEFAULT-VALUE}")
    int holdoutDays;
    @Option(names = "--end-time", defaultValue = "0",
            description = "use only data before this Unix time (s); 0 = all (default)")
    long endTime;
    @Option(names = "--gate", defaultValue = "auto", description = "promotion gate: auto or manual; default ${DEFAULT-VALUE}")
    String gate;
    @Option(names = "--margin", defaultValue = "0.02",
            description = "relative improvement in mean MASE over the champion the gate requires; default ${DEFAULT-VALUE}")
    double margin;
    @Option(names = "--wait", description = "wait for the workflow to finish and print its result")
    boolean await;
    @Option(names = "--every", description = "instead of training now, create/update the Temporal Schedule: e.g. 24h, 30m, PT6H")
    String every;
    // No picocli default here: it read only FORESIGHT_TEMPORAL_ADDRESS and so ignored FORESIGHT_TEMPORAL_PORT,
    // which every other command honours through the configuration.
    @Option(names = "--temporal",
            description = "Temporal frontend host:port; default $FORESIGHT_TEMPORAL_ADDRESS, else temporal.ip:temporal.port"
                    + " of the configuration (FORESIGHT_TEMPORAL_PORT)")
    String temporal;

    /** Test seam: the client to use instead of connecting to --temporal. */
    WorkflowClient client;
    /** Test seam: the configuration (default: conf/foresight.properties and the environment). */
    io.foresight.app.stack.FsConfig config;

    /** The Temporal address this command connects to. */
    String target() {
        if (temporal != null && !temporal.isBlank()) {
            return temporal.trim();
        }
        return TemporalConnection.target(config != null ? config : io.foresight.app.stack.FsConfig.load());
    }

    @Override
    public void run() {
        RetrainRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        WorkflowServiceStubs stubs = null;
        WorkflowClient c = client;
        if (c == null) {
            io.foresight.app.stack.FsConfig cfg = config != null ? config : io.foresight.app.stack.FsConfig.load();
            WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(target());
            TemporalSecurity.configure(cfg, options);
            stubs = WorkflowServiceStubs.newServiceStubs(options.build());
            c = WorkflowClient.newInstance(stubs);
        }
        try {
            if (every != null) {
                ScheduleHandle h = RetrainSchedule.upsert(ScheduleClient.newInstance(c.getWorkflowServiceStubs(),
                        ScheduleClientOptions.newBuilder().setNamespace(c.getOptions().getNamespace()).build()),
                        request, parseDuration(every));
                out.printf("schedule %s retrains %s every %s on task queue %s%n", h.getId(), model, every, TaskQueues.TRAINING);
                return;
            }
            String id = RetrainSchedule.workflowIdPrefix(request) + "-" + Instant.now().toEpochMilli();
            RetrainingWorkflow wf = c.newWorkflowStub(RetrainingWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.TRAINING)
                    .setWorkflowId(id)
                    .setWorkflowExecutionTimeout(Duration.ofHours(12))
                    .build());
            WorkflowClient.start(wf::retrain, request);
            out.printf("started retraining %s (workflow %s, task queue %s)%n", model, id, TaskQueues.TRAINING);
            if (await) {
                RetrainResult r = c.newUntypedWorkflowStub(id).getResult(RetrainResult.class);
                out.printf(Locale.ROOT, "run %s: %s %.6g (champion %s %.6g, last value %.6g) on %s%n",
                        r.model().runId(), r.backtest().metric(), r.backtest().candidateValue(),
                        r.backtest().championVersion().isEmpty() ? "blend baseline" : "v" + r.backtest().championVersion(),
                        r.backtest().championValue(), r.backtest().baselineValue(), r.backtest().backtestId());
                out.printf("gate: %s%n", r.backtest().verdict());
                out.printf("registered %s v%s: %s (%s); champion is v%s%n", r.version().registeredModel(),
                        r.version().version(), r.gate().outcome(), r.gate().reason(), r.gate().champion());
                if (r.patterns() != null) {
                    out.printf("pattern models: %s%s%n", r.patterns().verdict(), r.patternGate() == null ? ""
                            : String.format("; registered %s v%s: %s, champion is %s", RetrainRequest.PATTERN_MODEL,
                            r.patternGate().candidate(), r.patternGate().outcome(),
                            r.patternGate().champion().isEmpty() ? "none" : "v" + r.patternGate().champion()));
                }
            }
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException("cannot reach Temporal at " + target() + " (" + e.getStatus().getCode()
                    + "): start it (`./foresight stack up`) or set FORESIGHT_TEMPORAL_PORT / FORESIGHT_TEMPORAL_ADDRESS", e);
        } finally {
            if (stubs != null) {
                stubs.shutdown();
            }
        }
    }

    RetrainRequest request() {
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("no training data: pass --data FILE[,FILE...] or set FORESIGHT_TRAIN_DATA");
        }
        List<String> paths = Arrays.stream(data.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        io.foresight.core.eval.ModelFamilies.requireKnown(family);
        return new RetrainRequest(paths, maxUsers, family, model, gate.toLowerCase(Locale.ROOT), margin, holdoutDays, endTime);
    }

    /** "24h", "30m", "90s", "2d" or ISO-8601 ("PT6H"). */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read duration '" + s + "': use e.g. 24h, 30m, 2d or PT6H");
        }
    }
}
