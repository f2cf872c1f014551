package io.foresight.workflows.retrain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A scripted stand-in for the training worker: records every call (step and idempotency key) and answers
 * with fixed references; the gate applies the same rule as the MLflow registry so tests can check it.
 */
class RecordingTrainingActivities implements TrainingActivities {
    record Call(String step, String idempotencyKey) {}

    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    long rows = 1000;
    double candidateMae = 0.8;
    double championMae = 1.0;
    String championVersion = "3";
    int registerFailures;

    @Override
    public FeatureSet extractFeatures(RetrainRequest request, String key) {
        calls.add(new Call("extract", key));
        return new FeatureSet("/work/features/" + key.replace('/', '_'), "sha256:abc", rows, "bt-2013-08-20",
                1_377_000_000L, 1_377_172_800L);
    }

    @Override
    public TrainedModel train(RetrainRequest request, FeatureSet features, String key) {
        calls.add(new Call("train", key));
        return new TrainedModel("run-1", "mlflow-artifacts:/1/run-1/artifacts/model");
    }

    @Override
    public Backtest evaluate(RetrainRequest request, FeatureSet features, TrainedModel model) {
        calls.add(new Call("evaluate", null));
        boolean passed = championVersion.isEmpty() || candidateMae < championMae * (1 - request.gateMargin());
        return new Backtest(features.backtestId(), "all_mase", candidateMae, championVersion, championMae, 1.2, passed,
                passed ? "passed" : "refused");
    }

    @Override
    public RegisteredVersion register(RetrainRequest request, FeatureSet features, TrainedModel model, Backtest backtest,
                                      String key) {
        calls.add(new Call("register", key));
        if (registerFailures > 0) {
            registerFailures--;
            throw new RuntimeException("MLflow: connection refused");
        }
        return new RegisteredVersion(request.registeredModel(), "4");
    }

    @Override
    public GateResult gate(RetrainRequest request, RegisteredVersion version, String key) {
        calls.add(new Call("gate", key));
        boolean passed = championVersion.isEmpty() || candidateMae < championMae * (1 - request.gateMargin());
        if (!passed) {
            return new GateResult("REJECTED", version.version(), championVersion, "worse");
        }
        if (request.gateMode().equals("manual")) {
            return new GateResult("CHALLENGER", version.version(), championVersion, "manual gate");
        }
        return new GateResult(championVersion.isEmpty() ? "FIRST_CHAMPION" : "PROMOTED", version.version(),
                version.version(), "beats champion and last value");
    }

    List<String> steps() {
        return calls.stream().map(Call::step).toList();
    }
}
