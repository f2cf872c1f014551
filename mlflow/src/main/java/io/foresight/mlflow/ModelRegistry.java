package io.foresight.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.mlflow.tracking.MlflowClientException;
import org.mlflow.tracking.MlflowHttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MLflow model registry, through the raw REST helpers (the 2.17.2 Java client has no registry
 * writes and no aliases). Every write is idempotent: creating a model that exists returns it, creating a
 * version with an idempotency key that was used already returns the earlier version, aliases are set to a
 * value (not toggled).
 */
public final class ModelRegistry {
    public static final String CHAMPION = "champion";
    public static final String CHALLENGER = "challenger";
    /** Version tag holding the creator's idempotency key. */
    public static final String TAG_IDEMPOTENCY_KEY = "foresight.idempotency_key";
    /** Version tag prefix for backtest metrics, e.g. foresight.backtest.mae. */
    public static final String TAG_BACKTEST_PREFIX = "foresight.backtest.";
    /** Version tag naming the backtest (data and window) the metric was measured on. */
    public static final String TAG_BACKTEST_ID = "foresight.backtest_id";
    /** Version tag holding the hash of the feature schema the model was trained on. */
    public static final String TAG_FEATURE_SCHEMA_HASH = "foresight.feature_schema_hash";
    /** Version tag: the model family (io.foresight.core.eval.ModelFamilies). */
    public static final String TAG_FAMILY = "foresight.family";
    /** Version tag: "true" when the promotion gate's verdict passed. */
    public static final String TAG_GATE_PASSED = "foresight.gate.passed";
    /** Version tag: the promotion gate's one-line verdict. */
    public static final String TAG_GATE_REASON = "foresight.gate.reason";

    /** Relative differences below this are refit noise (e.g. l-bfgs on reordered partitions), not an improvement. */
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private final MlflowConnection conn;

    public ModelRegistry(MlflowConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
    }

    /** Creates the registered model unless it exists. */
    public void ensureRegisteredModel(String name) {
        try {
            conn.get("registered-models/get?name=" + MlflowConnection.q(name));
        } catch (MlflowHttpException e) {
            if (!notFound(e)) {
                throw fail("get registered model " + name, e);
            }
            try {
                conn.post("registered-models/create", Map.of("name", name));
                log.info("created registered model {}", name);
            } catch (MlflowHttpException raced) {
                if (!"RESOURCE_ALREADY_EXISTS".equals(errorCode(raced))) {
                    throw fail("create registered model " + name, raced);
                }
            }
        } catch (MlflowClientException e) {
            throw fail("get registered model " + name, e);
        }
    }

    /**
     * Registers {@code source} (a run's model artifact URI) as a new version, tagged with the idempotency key
     * and {@code tags}. If a version with that key exists already it is returned unchanged.
     */
    public ModelVersionRef createVersion(String name, String source, String runId, String idempotencyKey,
                                         Map<String, String> tags) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        ensureRegisteredModel(name);
        Optional<ModelVersionRef> existing = findByIdempotencyKey(name, idempotencyKey);
        if (existing.isPresent()) {
            log.info("model version {} already registered for key {}", existing.get().label(), idempotencyKey);
            return existing.get();
        }
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("source", Objects.requireNonNull(source, "source"));
        if (runId != null && !runId.isEmpty()) {
            body.put("run_id", runId);
        }
        java.util.List<Map<String, String>> tagList = new java.util.ArrayList<>();
        tagList.add(Map.of("key", TAG_IDEMPOTENCY_KEY, "value", idempotencyKey));
        tags.forEach((k, v) -> tagList.add(Map.of("key", k, "value", v)));
        body.put("tags", tagList);
        try {
            return parseVersion(conn.post("model-versions/create", body).path("model_version"));
        } catch (MlflowClientException e) {
            throw fail("create a version of " + name + " from " + source, e);
        }
    }

    public ModelVersionRef getVersion(String name, String version) {
        try {
            return parseVersion(conn.get("model-versions/get?name=" + MlflowConnection.q(name)
                    + "&version=" + MlflowConnection.q(version)).path("model_version"));
        } catch (MlflowClientException e) {
            throw fail("get " + name + "/v" + version, e);
        }
    }

    public void setVersionTag(String name, String version, String key, String value) {
        try {
            conn.post("model-versions/set-tag", Map.of("name", name, "version", version, "key", key, "value", value));
        } catch (MlflowClientException e) {
            throw fail("tag " + name + "/v" + version + " " + key, e);
        }
    }

    /** Records a backtest metric on the version, with the id of the backtest it was measured on. */
    public void recordBacktest(String name, String version, String metric, double value, String backtestId) {
        setVersionTag(name, version, TAG_BACKTEST_PREFIX + metric, Double.toString(value));
        setVersionTag(name, version, TAG_BACKTEST_ID, backtestId);
    }

    public void setAlias(String name, String alias, String version) {
        try {
            conn.post("registered-models/alias", Map.of("name", name, "alias", alias, "version", version));
            log.info("alias {}@{} -> v{}", name, alias, version);
        } catch (MlflowClientException e) {
            throw fail("set alias " + name + "@" + alias + " to v" + version, e);
        }
    }

    /** The version an alias points at, or empty if the alias (or the model) does not exist. */
    public Optional<ModelVersionRef> getAlias(String name, String alias) {
        try {
            return Optional.of(parseVersion(conn.get("registered-models/alias?name=" + MlflowConnection.q(name)
                    + "&alias=" + MlflowConnection.q(alias)).path("model_version")));
        } catch (MlflowHttpException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw fail("get alias " + name + "@" + alias, e);
        } catch (MlflowClientException e) {
            throw fail("get alias " + name + "@" + alias, e);
        }
    }

    /**
     * Moves aliases by the promotion gate's verdict on {@code candidateVersion} (measured against the champion
     * and the last-value yardstick on one backtest, see {@code io.foresight.core.eval.PromotionRule}): a verdict
     * that did not pass moves nothing (the version stays registered, for lineage); one that passed becomes
     * champion under the auto gate and challenger under the manual gate (a person moves {@code champion}).
     * Idempotent: a candidate that is already champion stays so.
     */
    public PromotionDecision applyVerdict(String name, String candidateVersion, boolean passed, String reason,
                                          PromotionGate gate) {
        Optional<ModelVersionRef> champ = getAlias(name, CHAMPION);
        String current = champ.map(ModelVersionRef::version).orElse("");
        if (current.equals(candidateVersion)) {
            return new PromotionDecision(PromotionDecision.Outcome.PROMOTED, candidateVersion, candidateVersion,
                    candidateVersion, "already champion");
        }
        if (!passed) {
            return new PromotionDecision(PromotionDecision.Outcome.REJECTED, candidateVersion, current, current, reason);
        }
        if (gate.mode() == PromotionGate.Mode.MANUAL) {
            setAlias(name, CHALLENGER, candidateVersion);
            return new PromotionDecision(PromotionDecision.Outcome.CHALLENGER, candidateVersion, current, current, "manual gate: move @champion in the MLflow UI to promote (" + reason + ")");
        }
        setAlias(name, CHAMPION, candidateVersion);
        return new PromotionDecision(current.isEmpty() ? PromotionDecision.Outcome.FIRST_CHAMPION
                : PromotionDecision.Outcome.PROMOTED, candidateVersion, candidateVersion, current,
                reason);
    }

    static Optional<Double> metricOf(ModelVersionRef v, String metric) {
        String s = v.tags().get(TAG_BACKTEST_PREFIX + metric);
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The newest version of {@code name} whose tag {@code key} equals {@code value} (e.g. the latest of a family). */
    public Optional<ModelVersionRef> latestWithTag(String name, String key, String value) {
        return search(name, v -> value.equals(v.tags().get(key)), true);
    }

    private Optional<ModelVersionRef> findByIdempotencyKey(String name, String key) {
        return search(name, v -> key.equals(v.tags().get(TAG_IDEMPOTENCY_KEY)), false);
    }

    /** The first (or, with {@code newest}, the highest-numbered) version matching {@code match}. */
    private Optional<ModelVersionRef> search(String name, java.util.function.Predicate<ModelVersionRef> match, boolean newest) {
        Optional<ModelVersionRef> best = Optional.empty();
        try {
            String filter = "name='" + name.replace("'", "\\'") + "'";
            String page = "";
            do {
                JsonNode r = conn.get("model-versions/search?max_results=200&filter=" + MlflowConnection.q(filter)
                        + (page.isEmpty() ? "" : "&page_token=" + MlflowConnection.q(page)));
                for (JsonNode mv : r.path("model_versions")) {
                    ModelVersionRef v = parseVersion(mv);
                    if (!match.test(v)) {
                        continue;
                    }
                    if (!newest) {
                        return Optional.of(v);
                    }
                    if (best.isEmpty() || Long.parseLong(v.version()) > Long.parseLong(best.get().version())) {
                        best = Optional.of(v);
                    }
                }
                page = r.path("next_page_token").asText("");
            } while (!page.isEmpty());
            return best;
        } catch (MlflowClientException e) {
            throw fail("search versions of " + name, e);
        }
    }

    static ModelVersionRef parseVersion(JsonNode mv) {
        if (mv.isMissingNode() || !mv.has("version")) {
            throw new MlflowException("MLflow response has no model_version: " + mv);
        }
        Map<String, String> tags = new HashMap<>();
        for (JsonNode t : mv.path("tags")) {
            tags.put(t.path("key").asText(), t.path("value").asText());
        }
        return new ModelVersionRef(mv.path("name").asText(), mv.path("version").asText(),
                mv.path("source").asText(), mv.path("run_id").asText(""), tags);
    }

    private static boolean notFound(MlflowHttpException e) {
        // MLflow answers 404 RESOURCE_DOES_NOT_EXIST, and 400 INVALID_PARAMETER_VALUE for a missing alias
        String code = errorCode(e);
        return e.getStatusCode() == 404 || "RESOURCE_DOES_NOT_EXIST".equals(code)
                || ("INVALID_PARAMETER_VALUE".equals(code) && String.valueOf(e.getBodyMessage()).contains("not found"));
    }

    private static String errorCode(MlflowHttpException e) {
        String body = e.getBodyMessage();
        if (body == null) {
            return "";
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("error_code").asText("");
        } catch (java.io.IOException ex) {
            return "";
        }
    }

    private MlflowException fail(String what, MlflowClientException e) {
        String detail = e instanceof MlflowHttpException h ? "HTTP " + h.getStatusCode() + " " + h.getBodyMessage() : e.getMessage();
        return new MlflowException("cannot " + what + " on " + conn + ": " + detail, e);
    }
}
