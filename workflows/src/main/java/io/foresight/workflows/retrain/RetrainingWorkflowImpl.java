package io.foresight.workflows.retrain;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Deterministic: only activity calls and values derived from the workflow id. Idempotency keys are
 * {@code <workflowId>/<step>}, stable across activity retries and worker restarts (replay).
 */
public class RetrainingWorkflowImpl implements RetrainingWorkflow {
    /** Errors no retry can fix: bad input or an incompatible artifact. */
    static final String[] NON_RETRYABLE = {
        IllegalArgumentException.class.getName(), IllegalStateException.class.getName(),
    };

    /** Spark steps: long, few attempts (each is expensive), heartbeats not required. */
    static final ActivityOptions SPARK = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofHours(2))
            .setScheduleToCloseTimeout(Duration.ofHours(6))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(30))
                    .setBackoffCoefficient(2)
                    .setMaximumAttempts(3)
                    .setDoNotRetry(NON_RETRYABLE)
                    .build())
            .build();

    /** Registry writes: quick, retried longer so a restarting MLflow server does not fail the workflow. */
    static final ActivityOptions REGISTRY = ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setScheduleToCloseTimeout(Duration.ofHours(1))
            .setRetryOptions(RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(5))
                    .setBackoffCoefficient(2)
                    .setMaximumInterval(Duration.ofMinutes(5))
                    .setMaximumAttempts(10)
                    .setDoNotRetry(NON_RETRYABLE)
                    .build())
            .build();

    /** Workflow.getVersion id of the step that also trains, gates and registers the pattern models. */
    static final String PATTERN_MODELS_CHANGE = "pattern-models";

    private static final Logger log = Workflow.getLogger(RetrainingWorkflowImpl.class);

    private final TrainingActivities spark = Workflow.newActivityStub(TrainingActivities.class, SPARK);
    private final TrainingActivities registry = Workflow.newActivityStub(TrainingActivities.class, REGISTRY);

    @Override
    public RetrainResult retrain(RetrainRequest request) {
        String id = Workflow.getInfo().getWorkflowId();
        FeatureSet features = spark.extractFeatures(request, id + "/features");
        if (features.rows() == 0) {
            throw ApplicationFailure.newNonRetryableFailure(
                    "no feature rows from " + request.dataPaths() + ": check the paths and maxUsers", "NoData");
        }
        TrainedModel model = spark.train(request, features, id + "/train");
        Backtest backtest = spark.evaluate(request, features, model);
        if (!Double.isFinite(backtest.candidateValue())) {
            throw ApplicationFailure.newNonRetryableFailure("candidate " + model.runId() + " backtest "
                    + backtest.metric() + " is " + backtest.candidateValue() + ": not registering it", "BadBacktest");
        }
        RegisteredVersion version = registry.register(request, features, model, backtest, id + "/register");
        GateResult gate = registry.gate(request, version, id + "/gate");
        log.info("retrained {}: v{} {} ({})", request.registeredModel(), version.version(), gate.outcome(), gate.reason());
        if (Workflow.getVersion(PATTERN_MODELS_CHANGE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
            return new RetrainResult(features, model, backtest, version, gate); // histories from before the pattern step
        }
        PatternTraining patterns;
        GateResult patternGate = null;
        try {
            patterns = spark.trainPatterns(request, features, id + "/patterns");
            if (patterns.trained()) {
                patternGate = registry.registerPatterns(request, patterns, id + "/patterns-register");
            }
        } catch (ActivityFailure e) {
            // the forecaster's outcome stands: failed pattern training is reported in the result, not fatal
            String why = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            patterns = PatternTraining.notTrained("pattern training failed: " + why);
        }
        log.info("pattern models: {}{}", patterns.verdict(), patternGate == null ? ""
                : " -> " + patternGate.outcome() + " (champion v" + patternGate.champion() + ")");
        return new RetrainResult(features, model, backtest, version, gate, patterns, patternGate);
    }
}
