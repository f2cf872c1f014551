package io.foresight.app;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.LocalStack;
import io.foresight.app.stack.StackException;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.spark.activity.TrainingWorker;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.foresight.workflows.retrain.RetrainRequest;
import io.foresight.workflows.retrain.RetrainResult;
import io.foresight.workflows.retrain.RetrainingWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code foresight demo}, the main job: starts the local stack, trains a model on the bundled real trace
 * (a retraining workflow: Spark job, MLflow run, registered version, champion alias), replays the trace
 * through the control-loop workflow (time-accelerated) with the Drools policies, and prints what the loop
 * achieved next to the capacity the trace provisioned (static allocation).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job: stack up, train on the bundled real trace, run the control loop over it, print the summary.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Bitbrains CSV(.gz) to replay (default: data.slice in conf/foresight.properties).")
    Path trace;

    @Option(names = "--cycles", defaultValue = "144", description = "Control cycles (5-minute intervals) to replay (default ${DEFAULT-VALUE} = half a day).")
    int cycles;

    @Option(names = "--acceleration", defaultValue = "3000", description = "Data seconds per wall second (default ${DEFAULT-VALUE}).")
    double acceleration;

    @Option(names = "--pool", defaultValue = "demo", description = "Resource pool id (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--inject-anomaly", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Replay a copy of the trace with a 30-minute memory incident injected into one user half-way (default: ${DEFAULT-VALUE}).")
    boolean injectAnomaly;

    @Option(names = "--policy-scenario", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Run with a demo copy of the rules (low approval threshold, tight team budget) that a scripted "
                    + "policy author edits mid-run; pending approvals are approved by a demo operator (default: ${DEFAULT-VALUE}).")
    boolean policyScenario;

    @Option(names = "--spot", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Let every user of the demo run on spot (where its profile is BATCH or IDLE and confident) and "
                    + "reclaim all spot capacity once, two thirds in, so the fallback to on-demand shows (default: ${DEFAULT-VALUE}).")
    boolean spot;

    @Option(names = "--in-process", description = "Use the in-process Temporal test server instead of the local stack.")
    boolean inProcess;

    /** How often the demo operator looks for changes waiting for approval: well inside the approval timeout. */
    static final Duration OPERATOR_POLL = Duration.ofMillis(250);

    /** How long a change may wait for the demo operator before the loop keeps the current allocation. */
    static final Duration APPROVAL_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What a demo run did, for tests that compare the two paths.
     *
     * @param inProcess          whether it ran on the in-process Temporal test server
     * @param modelFamily        the family of the model the loop predicted with at the end (both paths serve the
     *                           retraining workflow's choice on the same data, so they agree)
     * @param summary            the closing table
     * @param waitingApproval    changes the policies sent to a person over the run (audit trail)
     * @param operatorApprovals  approvals the demo operator sent (0 without the policy scenario)
     * @param outcomes           decisions per outcome over the run (audit trail)
     * @param rulesFired         how often each rule fired over the run (audit trail)
     * @param policyEvents       what the scripted policy author did, at which cycle
     */
    record DemoRun(boolean inProcess, String modelFamily, DemoSummary summary, long waitingApproval, int operatorApprovals,
                   Map<io.foresight.core.policy.DecisionOutcome, Long> outcomes, Map<String, Integer> rulesFired,
                   List<String> policyEvents, DemoBehaviour behaviour) {}

    /**
     * The engine's parts in the demo: the defaults with learned headroom on, so the run shows what the bandit learns
     * per pattern (off by default in the loop and evaluate: README, "Profiles, learned headroom and spot").
     */
    static final io.foresight.core.engine.CycleEngine.Parts PARTS =
            io.foresight.core.engine.CycleEngine.Parts.DEFAULTS.withLearnedHeadroom(true);

    @Override
    public Integer call() throws Exception {
        run(FsConfig.load(), System.out);
        return 0;
    }

    DemoRun run(FsConfig config, PrintStream out) throws Exception {
        Path tracePath = trace != null ? trace : config.path("data.slice", "data/bitbrains-slice/bitbrains-rnd-2013-07-01_14d_20vms.csv.gz");
        if (!Files.isRegularFile(tracePath)) {
            throw new IllegalArgumentException("trace file not found: " + tracePath + ". Fix: pass --trace FILE or restore data/bitbrains-slice from git");
        }
        if (cycles <= 0) {
            throw new IllegalArgumentException("--cycles must be positive, got " + cycles);
        }
        Trace replay = BitbrainsReader.read(tracePath);
        String injected = null;
        String injectedUser = null;
        if (injectAnomaly) {
            String user = quietestUser(replay, Wiring.WARMUP_STEPS);
            injectedUser = user;
            int at = Wiring.WARMUP_STEPS + cycles / 2;
            Path copy = config.stateDir().resolve("demo").resolve("trace-with-anomaly.csv.gz");
            AnomalyInjection.spike(tracePath, copy, user, replay.user(user).timestamp(Math.min(at, replay.user(user).size() - 1)), 6, 0.95);
            injected = user + " at cycle " + (at - Wiring.WARMUP_STEPS);
            tracePath = copy;
            replay = BitbrainsReader.read(tracePath);
        }
        out.printf("Foresight demo on %s: %d users, %d intervals of %d s (real Bitbrains data)%n",
                config.home().relativize(tracePath.toAbsolutePath()), replay.users().size(), replay.intervals(), replay.stepSeconds());

        if (injected != null) {
            out.println("Injected anomaly: memory of user " + injected + " held at 95% of its capacity for 30 minutes, like a leak (" + config.home().relativize(tracePath.toAbsolutePath()) + ")");
        }
        step(out, 1, "Local stack (Temporal + Web UI, MLflow, Prometheus)");
        boolean mlflowUp = false;
        boolean inProcess = this.inProcess;
        if (!inProcess) {
            try {
                new LocalStack(config, out).up();
                mlflowUp = true;
            } catch (StackException e) {
                out.println("  the local stack could not start: " + e.getMessage());
                out.println("  => running on the in-process Temporal test server instead (no Web UI, no MLflow tracking)");
                inProcess = true;
            }
        }
        TemporalConnection temporal = inProcess ? TemporalConnection.inProcess() : TemporalConnection.open(config);
        WorkflowClient client = temporal.client;
        List<WorkerFactory> factories = new ArrayList<>();
        try (MetricsEndpoint metrics = MetricsEndpoint.start(config.getInt("metrics.port", 9464))) {
            out.println("  metrics: http://127.0.0.1:" + metrics.port() + "/metrics");

            String modelVersion = "none";
            if (mlflowUp) {
                step(out, 2, "Train on the trace (retraining workflow: Spark job -> MLflow run -> registry -> gate)");
                MlflowConnection mlflow = MlflowConnection.of(URI.create(config.mlflowUrl()));
                factories.add(TrainingWorker.start(client, WorkerCommand.trainingConfig(config), mlflow, Map.of("demo", "true"),
                        Wiring.trainingData(config)));
                RetrainRequest request = RetrainRequest.defaults(List.of(tracePath.toString()), 0); // as the in-process path fits
                String id = "retrain-demo-" + System.currentTimeMillis();
                RetrainingWorkflow wf = client.newWorkflowStub(RetrainingWorkflow.class, WorkflowOptions.newBuilder()
                        .setTaskQueue(TaskQueues.TRAINING).setWorkflowId(id).setWorkflowExecutionTimeout(Duration.ofHours(1)).build());
                RetrainResult r = wf.retrain(request);
                modelVersion = r.version().registeredModel() + " v" + r.version().version();
                out.printf(Locale.ROOT, "  MLflow run %s: backtest %s %.4f (last value %.4f); %s -> %s, champion is v%s%n",
                        r.model().runId(), r.backtest().metric(), r.backtest().candidateValue(), r.backtest().baselineValue(),
                        modelVersion, r.gate().outcome(), r.gate().champion());
            } else {
                step(out, 2, "Train without MLflow (" + (inProcess ? "the in-process path" : "MLflow is not running")
                        + "): the retraining workflow's family, window and gate, fitted in this process");
            }

            step(out, 3, "Control loop over the trace (workflow " + ControlLoopWorkflow.workflowId(pool) + ")");
            Trace warm = warmup(replay, Wiring.WARMUP_STEPS);
            Models models = mlflowUp ? Models.forLoop(config, warm, true, out)
                    : Models.trainedWithoutMlflow(RetrainRequest.defaults(List.of(tracePath.toString()), 0), warm, config, out);
            PolicyScenario scenario = policyScenario ? PolicyScenario.prepare(config.stateDir().resolve("demo").resolve("rules"), cycles) : null;
            io.foresight.rules.PolicyRepository policies = scenario != null
                    ? io.foresight.rules.PolicyRepository.fromDirectory(scenario.dir()) : Wiring.policies(config);
            if (scenario != null) {
                out.printf(Locale.ROOT, "  policies: %s (bundled rules; approval above $%.2f/h of change, team budget $%.2f/h)%n",
                        config.home().relativize(scenario.dir().toAbsolutePath()), PolicyScenario.APPROVAL_COST_DELTA_PER_HOUR,
                        PolicyScenario.TEAM_MAX_COST_PER_HOUR);
            }
            ControlWorkerConfig wc = Wiring.controlWorker(config, models, policies);
            if (scenario != null) {
                // the author's edits land right before the policy check of their cycle, on either server
                wc = wc.withPolicy(scenario.editing(wc.policy(), policies, replay, Wiring.WARMUP_STEPS, out));
            }
            io.foresight.core.actuate.SimulatedCluster cluster = null;
            long fallbackSeconds = 0;
            if (spot) {
                // every user may run on spot (its profile still decides: BATCH or IDLE, confident), and all spot
                // capacity is reclaimed once, two thirds in: the simulated cluster moves those users to on-demand
                var base = wc.profiles();
                wc = wc.withProfiles(u -> {
                    var b = base.apply(u);
                    return new io.foresight.core.model.UserProfile(b.user(), b.team(), b.tier(), b.pattern(), b.confidence(),
                            true, b.predictedNeed(), b.version(), b.updatedAt());
                });
                int at = Wiring.WARMUP_STEPS + 2 * cycles / 3;
                UserSeries first = replay.users().values().iterator().next();
                long when = first.timestamp(Math.min(at, first.size() - 1)) + replay.stepSeconds();
                io.foresight.core.actuate.SimulatedCluster.Config cc = Wiring.cluster(config).withScripted(
                        List.of(new io.foresight.core.actuate.SimulatedCluster.ScriptedInterruption(when, "*")));
                cluster = new io.foresight.core.actuate.SimulatedCluster(wc.stateDir().resolve("cluster"), cc);
                wc = wc.withActuator(cluster);
                for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
                    fallbackSeconds = Math.max(fallbackSeconds, cc.lead(r));
                }
                out.printf("  spot: every user may run on spot where its profile allows; all spot capacity is reclaimed at cycle %d%n",
                        at - Wiring.WARMUP_STEPS);
            }
            out.println("  learned headroom on for the demo (off by default): the bandit picks each user's headroom per pattern");
            terminateRunningLoop(client, pool);
            cleanPoolState(wc.stateDir(), pool, replay.userIds());
            factories.add(ControlWorker.start(client, wc, PARTS));
            ControlLoopParams params = ControlLoopParams.of(pool, "trace:" + tracePath)
                    .withAcceleration(acceleration).withCycles(100, cycles).withApprovalTimeout(APPROVAL_TIMEOUT)
                    .withRetraining(mlflowUp);
            ControlLoopWorkflow loop = client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL).setWorkflowId(ControlLoopWorkflow.workflowId(pool))
                    .setWorkflowIdReusePolicy(io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                    .build());
            WorkflowClient.start(loop::run, params);
            WorkflowStub untyped = client.newUntypedWorkflowStub(ControlLoopWorkflow.workflowId(pool));
            CompletableFuture<LoopState> done = untyped.getResultAsync(LoopState.class);
            long started = System.nanoTime();
            long lastPrint = 0;
            Set<String> decided = new HashSet<>();
            int approvals = 0;
            ControlLoopWorkflow control = client.newWorkflowStub(ControlLoopWorkflow.class, ControlLoopWorkflow.workflowId(pool));
            while (!done.isDone()) {
                try {
                    done.get(OPERATOR_POLL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    LoopState s = control.state();
                    if (scenario != null) {
                        List<String> fresh = s.pendingApprovals().stream().filter(id -> !decided.contains(id)).toList();
                        if (!fresh.isEmpty()) {
                            out.printf("  [operator] cycle %d: %d change(s) wait for approval; approving as demo-operator "
                                    + "(in production: signal 'approve' in the Temporal UI, or ./foresight approve)%n", s.cycle(), fresh.size());
                            for (String id : fresh) {
                                control.approve(id, true, "demo-operator");
                                decided.add(id);
                                approvals++;
                            }
                        }
                    }
                    double secs = (System.nanoTime() - started) / 1e9;
                    if (secs - lastPrint >= 5) {
                        lastPrint = (long) secs;
                        out.printf(Locale.ROOT, "  cycle %d/%d  %.0fs  model %s  %s%n", s.cycle(), cycles, secs, s.modelVersion(),
                                s.lastDecisionsSummary() == null ? "" : s.lastDecisionsSummary());
                    }
                }
            }
            LoopState end = done.get();
            out.printf(Locale.ROOT, "  finished %d cycles in %.0f s (%d failed); last rules fired: %s%n", end.cycle(),
                    (System.nanoTime() - started) / 1e9, end.failedCycles(), end.lastRulesFired());

            out.println("  users per pattern now (state query, from the profiles the loop keeps): " + end.usersPerPattern());
            DemoBehaviour behaviour = DemoBehaviour.of(wc.stateDir(), pool, cluster, fallbackSeconds);
            behaviour.print(out, PolicyScenario.cycleClock(replay, Wiring.WARMUP_STEPS));

            step(out, 4, "Summary (same users and intervals)");
            DemoSummary summary = DemoSummary.of(replay, wc.stateDir(), pool, wc.prices(), Wiring.WARMUP_STEPS);
            summary.print(out);
            reportAnomalies(out, wc.stateDir(), end, injectedUser, java.util.Set.copyOf(replay.userIds()));
            Path decisionLog = wc.stateDir().resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.DECISION_LOG);
            Map<String, Integer> fired = PolicyScenario.ruleCounts(decisionLog, pool);
            Map<io.foresight.core.policy.DecisionOutcome, Long> outcomes = new java.util.EnumMap<>(io.foresight.core.policy.DecisionOutcome.class);
            new io.foresight.core.audit.DecisionLog(decisionLog).readAll().stream().filter(r -> r.pool().equals(pool))
                    .forEach(r -> outcomes.merge(r.outcome(), 1L, Long::sum));
            long waiting = outcomes.getOrDefault(io.foresight.core.policy.DecisionOutcome.WAITING_APPROVAL, 0L);
            out.println("  decisions over the run: " + outcomes);
            out.println("  rules fired over the run (./foresight decisions): " + fired);
            if (scenario != null) {
                out.printf("  changes waiting for approval: %d; approved by the demo operator: %d; not decided in time (kept the current allocation): %d%n",
                        waiting, approvals, Math.max(0, waiting - approvals));
            }

            out.println();
            printInterfaces(out, config, inProcess, mlflowUp, pool);
            out.println("Decisions:     ./foresight decisions --last 20");
            return new DemoRun(inProcess, models.family(), summary, waiting, approvals, outcomes, fired,
                    scenario == null ? List.of() : scenario.events(), behaviour);
        } finally {
            factories.forEach(WorkerFactory::shutdown);
            factories.forEach(f -> f.awaitTermination(10, TimeUnit.SECONDS));
            temporal.close();
        }
    }

    /**
     * The user interfaces that are running now, and how to start the others: an address is printed only
     * when something answers there.
     */
    static void printInterfaces(PrintStream out, FsConfig config, boolean inProcess, boolean mlflowUsed, String pool) {
        LocalStack stack = new LocalStack(config, new PrintStream(java.io.OutputStream.nullOutputStream()));
        List<String> notRunning = new ArrayList<>();
        if (!inProcess && stack.healthy("temporal")) {
            out.println("Temporal UI:   " + config.temporalUiUrl() + "/namespaces/" + config.get("temporal.namespace", "default")
                    + "/workflows/" + ControlLoopWorkflow.workflowId(pool));
        } else {
            notRunning.add(inProcess ? "Temporal UI (this run used the in-process test server, which has none)" : "Temporal UI");
        }
        if (stack.healthy("mlflow")) {
            out.println("MLflow UI:     " + config.mlflowUrl() + (mlflowUsed ? "" : "  (not used by this run)"));
        } else {
            notRunning.add("MLflow UI");
        }
        boolean prometheusInstalled = Files.isExecutable(Path.of(config.get("prometheus.binary", "/usr/bin/prometheus")));
        if (prometheusInstalled && stack.healthy("prometheus")) {
            out.println("Prometheus:    " + config.prometheusUrl() + "/graph?g0.expr=foresight_pool_cost_per_hour");
        } else {
            notRunning.add(prometheusInstalled ? "Prometheus" : "Prometheus (not installed: apt-get install prometheus)");
        }
        if (!notRunning.isEmpty()) {
            out.println("Not running:   " + String.join(", ", notRunning));
            out.println("               start them with './foresight stack up', then run './foresight demo'");
        }
    }

    private static void reportAnomalies(PrintStream out, Path stateDir, LoopState end, String injectedUser,
                                        java.util.Set<String> users) {
        var log = new io.foresight.core.feedback.AnomalyLog(stateDir.resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.ANOMALY_LOG));
        var all = log.read(null, Long.MIN_VALUE).stream().filter(a -> users.contains(a.user())).toList();
        out.printf("  anomalies detected: %d (./foresight anomalies); retraining requests from drift: %d%n", all.size(), end.retrainingRequests());
        if (injectedUser != null) {
            var mine = all.stream().filter(a -> a.user().equals(injectedUser)).toList();
            out.printf("  injected incident (user %s): %s%n", injectedUser, mine.isEmpty() ? "NOT detected"
                    : "detected in " + mine.size() + " interval(s), first: " + mine.get(0).explanation());
        }
        all.stream().filter(a -> !a.user().equals(injectedUser))
                .sorted(java.util.Comparator.comparingDouble(io.foresight.core.feedback.Anomaly::score).reversed()).limit(3)
                .forEach(a -> out.println("    " + a.user() + " " + java.time.Instant.ofEpochSecond(a.at()) + ": " + a.explanation()));
    }

    /**
     * The user whose memory peak in the warm-up was the smallest share of its capacity: filling its memory is
     * then an incident its own history has never shown, so there is no doubt what should be found.
     */
    static String quietestUser(Trace trace, int steps) {
        String best = trace.userIds().get(0);
        double bestShare = Double.MAX_VALUE;
        for (var e : trace.users().entrySet()) {
            UserSeries s = e.getValue();
            double peak = 0;
            double cap = Double.NaN;
            for (int i = 0; i < Math.min(steps, s.size()); i++) {
                double y = s.usage(io.foresight.core.model.Resource.MEMORY, i);
                if (!Double.isNaN(y)) {
                    peak = Math.max(peak, y);
                    cap = s.capacity(io.foresight.core.model.Resource.MEMORY, i);
                }
            }
            double share = Double.isNaN(cap) || cap <= 0 ? Double.MAX_VALUE : peak / cap;
            if (share < bestShare) {
                bestShare = share;
                best = e.getKey();
            }
        }
        return best;
    }

    /** The history before the first replayed interval: the only data the base forecaster may be fitted on. */
    static Trace warmup(Trace trace, int steps) {
        java.util.Map<String, io.foresight.core.trace.UserSeries> m = new java.util.LinkedHashMap<>();
        trace.users().forEach((u, s) -> m.put(u, s.slice(0, Math.min(steps, s.size()))));
        return new Trace(trace.stepSeconds(), m, trace.report());
    }

    private static void step(PrintStream out, int n, String what) {
        out.printf("%n[%d/4] %s%n", n, what);
    }

    /** A loop of an earlier, interrupted demo would compete with this one for the pool. */
    private static void terminateRunningLoop(WorkflowClient client, String pool) {
        try {
            client.newUntypedWorkflowStub(ControlLoopWorkflow.workflowId(pool)).terminate("superseded by a new demo run");
        } catch (io.temporal.client.WorkflowException e) {
            // nothing running: the usual case
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    /** A demo run starts afresh: the pool's previous cycles, cluster journal, audit trail and anomaly log go. */
    /**
     * Removes what an earlier demo run of {@code pool} left: its folders, its lines in the shared decision log, and
     * the anomalies of its users (anomaly lines name no pool). Other pools' records stay.
     */
    static void cleanPoolState(Path stateDir, String pool, java.util.Collection<String> users) throws IOException {
        io.foresight.core.audit.JsonLineFiles.removeWhere(
                stateDir.resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.DECISION_LOG), "pool", List.of(pool));
        io.foresight.core.audit.JsonLineFiles.removeWhere(
                stateDir.resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.ANOMALY_LOG), "user", users);
        for (Path p : List.of(stateDir.resolve("pools").resolve(pool), stateDir.resolve("cluster").resolve(pool))) {
            if (Files.exists(p)) {
                try (var walk = Files.walk(p)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }
}
