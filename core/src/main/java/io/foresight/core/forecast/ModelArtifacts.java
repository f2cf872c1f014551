package io.foresight.core.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one artifact format and the one loader of every forecaster family. A model directory holds
 * {@value #MANIFEST}: the family, version and parameters, the feature schema (the inputs this code computes
 * for the model, and their hash), the training data window, the backtest metrics, the promotion gate's
 * verdict, and the model itself as a tree of components (blend weights, exported GBT trees, lag-linear
 * coefficients, conformal wrappers, per-user selection over candidates, ...). Other files in the directory
 * (a Spark pipeline, plots) are ignored here.
 *
 * <p>{@link #load} is what serving uses: it refuses, with a one-line reason, a model whose feature schema is
 * not what this code computes or whose gate verdict is missing or not passed. {@link #loadForBacktest} only
 * checks the schema: the gate itself must backtest a model it has not judged yet.
 */
public final class ModelArtifacts {
    public static final String MANIFEST = "manifest.json";
    public static final String FORMAT = "foresight-model/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The input of families that read each resource's raw history (no engineered features). */
    static final String RAW_HISTORY = "usage-history";

    private ModelArtifacts() {}

    /**
     * What a manifest says about its model (the model tree itself is read by {@link #load}).
     *
     * @param trainFrom first timestamp (Unix s) of the data the model was fitted on
     * @param trainTo   end (exclusive, Unix s) of that data
     */
    public record Manifest(String family, String version, Map<String, String> params, List<String> features,
                           String schemaHash, long trainFrom, long trainTo, Map<String, Double> metrics,
                           GateVerdict gate) {
        public Manifest {
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(version, "version");
            params = Map.copyOf(params);
            features = List.copyOf(features);
            Objects.requireNonNull(schemaHash, "schemaHash");
            metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
            Objects.requireNonNull(gate, "gate");
        }
    }

    /** A model ready to serve or score, with what its manifest says about it. */
    public record LoadedModel(Forecaster forecaster, String family, String version, Map<String, Double> metrics,
                              GateVerdict gate, Manifest manifest) {}

    /** A model that must not be served or scored; the message is one line: what is wrong and what to do. */
    public static final class RefusedException extends IllegalArgumentException {
        public RefusedException(String message) {
            super(message);
        }
    }

    /**
     * Writes {@code model} as a model directory ({@code dir} is created; an existing manifest is replaced
     * atomically). Throws if a component cannot be saved (e.g. a holiday calendar other than none).
     */
    public static Manifest save(Path dir, String family, String version, Forecaster model, long trainFrom, long trainTo,
                                Map<String, String> params, Map<String, Double> metrics, GateVerdict gate) {
        Objects.requireNonNull(model, "model");
        List<String> features = schemaOf(model);
        Manifest m = new Manifest(family, version, params, features, hash(features), trainFrom, trainTo, metrics, gate);
        ObjectNode root = manifestJson(m);
        root.set("model", encode(model));
        write(dir, root);
        return m;
    }

    /** Replaces the metrics and the gate verdict in an existing model directory's manifest. */
    public static Manifest recordVerdict(Path dir, Map<String, Double> metrics, GateVerdict gate) {
        ObjectNode root = (ObjectNode) readRoot(dir);
        Manifest old = manifest(dir, root);
        Manifest m = new Manifest(old.family(), old.version(), old.params(), old.features(), old.schemaHash(),
                old.trainFrom(), old.trainTo(), metrics, gate);
        ObjectNode updated = manifestJson(m);
        updated.set("model", root.get("model"));
        write(dir, updated);
        return m;
    }

    /** The manifest alone (e.g. to show a model's metrics and verdict). */
    public static Manifest readManifest(Path dir) {
        return manifest(dir, readRoot(dir));
    }

    /** For serving: the schema must match this code and the gate must have passed, else {@link RefusedException}. */
    public static LoadedModel load(Path dir) {
        LoadedModel m = loadForBacktest(dir);
        if (!m.gate().passed()) {
            throw new RefusedException("model " + dir + " (" + m.family() + " " + m.version()
                    + ") has no passed gate result (" + m.gate().reason() + "): retrain it and let the promotion gate judge it");
        }
        return m;
    }

    /** For the gate's own backtest: the schema must match this code; the gate verdict is not required. */
    public static LoadedModel loadForBacktest(Path dir) {
        JsonNode root = readRoot(dir);
        Manifest m = manifest(dir, root);
        if (PATTERN_FAMILY.equals(m.family())) {
            throw new RefusedException("model " + dir + " holds pattern models, not a forecaster: pass it as the pattern "
                    + "model (evaluate --pattern-model), or a forecaster's directory as the model");
        }
        Forecaster f;
        try {
            f = decode(root.path("model"));
        } catch (RuntimeException e) {
            throw new RefusedException("model " + dir + " (" + m.family() + ") does not load: " + e.getMessage()
                    + ". Fix: retrain it with this version of Foresight");
        }
        List<String> now = schemaOf(f);
        String h = hash(now);
        if (!h.equals(m.schemaHash())) {
            throw new RefusedException("model " + dir + " (" + m.family() + ") was trained on feature schema "
                    + m.schemaHash() + " " + m.features() + " but this code computes " + h + " " + now
                    + ": retrain on the current features or deploy the matching code");
        }
        return new LoadedModel(f, m.family(), m.version(), m.metrics(), m.gate(), m);
    }

    /** The inputs {@code f} reads, in a stable order: what the schema hash covers. */
    public static List<String> schemaOf(Forecaster f) {
        Set<String> out = new LinkedHashSet<>();
        collectSchema(f, out);
        return new ArrayList<>(out);
    }

    private static void collectSchema(Forecaster f, Set<String> out) {
        if (f instanceof ConformalForecaster c) {
            collectSchema(c.base(), out);
        } else if (f instanceof CalibratedForecaster c) {
            collectSchema(asForecaster(c.base()), out);
        } else if (f instanceof ModelSelector s) {
            s.candidates().forEach(x -> collectSchema(x, out));
        } else if (f instanceof PerResourceForecaster p) {
            for (Resource r : Resource.values()) {
                collectSchema(asForecaster(p.part(r)), out);
            }
        } else if (f instanceof PeriodicChoiceForecaster c) {
            collectSchema(asForecaster(c.base()), out);
            out.add(RAW_HISTORY);
        } else if (f instanceof LinearLagForecaster l) {
            for (String x : l.features()) {
                out.add("lag-linear." + l.resource().name().toLowerCase(java.util.Locale.ROOT) + "." + x);
            }
            collectSchema(l.base(), out);
        } else if (f instanceof TreeEnsembleForecaster t) {
            TreeEnsembleForecaster.FEATURES.forEach(x -> out.add("gbt." + x));
        } else if (f instanceof GlobalGbtForecaster) {
            M5Features.NAMES.forEach(x -> out.add("gbt-m5." + x));
        } else if (f instanceof BlendForecaster) {
            for (String x : BlendForecaster.FEATURE_NAMES) {
                out.add("blend." + x);
            }
        } else {
            out.add(RAW_HISTORY);
        }
    }

    static String hash(List<String> features) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(String.join(",", features).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- the pattern models ---------------------------------------------------------------------

    /**
     * The family of the behaviour-pattern models: the classifier naming each user's next-day pattern from this
     * day's features (exported RandomForest or one-vs-rest LinearSVC) and the population profile cold users start
     * from, fitted on the same data window and served together (what the profiler reads).
     */
    public static final String PATTERN_FAMILY = "pattern-classifier";
    static final String PATTERN_TYPE = "pattern-models";

    /** Pattern models ready to serve or score, with what their manifest says about them. */
    public record LoadedPatterns(io.foresight.core.features.PatternClassifier classifier,
                                 io.foresight.core.engine.PopulationProfile population, Manifest manifest) {
        public LoadedPatterns {
            Objects.requireNonNull(population, "population");
            Objects.requireNonNull(manifest, "manifest");
        }

        /** The label reports carry: the classifier's version, or the rules' with this population's version. */
        public String version() {
            return classifier != null ? classifier.version()
                    : io.foresight.core.engine.Profiler.PATTERN_MODEL + " + population " + manifest.version();
        }
    }

    /** The inputs the pattern classifier reads: what its schema hash covers. */
    public static List<String> patternSchema() {
        List<String> out = new ArrayList<>();
        io.foresight.core.features.FeatureVector.NAMES.forEach(x -> out.add("pattern." + x));
        return out;
    }

    /**
     * Writes the pattern models as a model directory of family {@link #PATTERN_FAMILY} (same format and manifest);
     * {@code classifier} null: the documented rules name the patterns (a trained classifier that did not beat them).
     */
    public static Manifest savePatterns(Path dir, String version, io.foresight.core.features.PatternClassifier classifier,
                                        io.foresight.core.engine.PopulationProfile population, long trainFrom, long trainTo,
                                        Map<String, String> params, Map<String, Double> metrics, GateVerdict gate) {
        Objects.requireNonNull(population, "population");
        List<String> features = patternSchema();
        Manifest m = new Manifest(PATTERN_FAMILY, version, params, features, hash(features), trainFrom, trainTo, metrics, gate);
        ObjectNode root = manifestJson(m);
        ObjectNode model = root.putObject("model");
        model.put("type", PATTERN_TYPE);
        model.set("classifier", JSON.valueToTree(classifier));
        model.set("population", JSON.valueToTree(population));
        write(dir, root);
        return m;
    }

    /** For serving: as {@link #load}, the schema must match this code and the gate must have passed. */
    public static LoadedPatterns loadPatterns(Path dir) {
        LoadedPatterns p = loadPatternsForBacktest(dir);
        GateVerdict g = p.manifest().gate();
        if (!g.passed()) {
            throw new RefusedException("pattern model " + dir + " (" + p.version() + ") has no passed gate result ("
                    + g.reason() + "): retrain it and let the promotion gate judge it");
        }
        return p;
    }

    /** For scoring: the schema must match this code; the gate verdict is not required. */
    public static LoadedPatterns loadPatternsForBacktest(Path dir) {
        JsonNode root = readRoot(dir);
        Manifest m = manifest(dir, root);
        if (!PATTERN_FAMILY.equals(m.family())) {
            throw new RefusedException("model " + dir + " is a " + m.family() + " forecaster, not pattern models: pass the "
                    + "directory of a " + PATTERN_FAMILY + " version (registered as foresight-pattern-classifier)");
        }
        String h = hash(patternSchema());
        if (!h.equals(m.schemaHash())) {
            throw new RefusedException("pattern model " + dir + " was trained on feature schema " + m.schemaHash() + " "
                    + m.features() + " but this code computes " + h + " " + patternSchema()
                    + ": retrain on the current features or deploy the matching code");
        }
        JsonNode model = root.path("model");
        try {
            return new LoadedPatterns(JSON.treeToValue(model.path("classifier"), io.foresight.core.features.PatternClassifier.class),
                    JSON.treeToValue(model.path("population"), io.foresight.core.engine.PopulationProfile.class), m);
        } catch (IOException | RuntimeException e) {
            throw new RefusedException("pattern model " + dir + " does not load: " + e.getMessage().lines().findFirst().orElse("")
                    + ". Fix: retrain it with this version of Foresight");
        }
    }

    // --- the model tree -------------------------------------------------------------------------

    static ObjectNode encode(Forecaster f) {
        ObjectNode n = JSON.createObjectNode();
        if (f instanceof ConformalForecaster c) {
            n.put("type", "conformal").put("quantile", c.quantile()).put("origins", c.origins()).put("spacing", c.spacing());
            n.set("base", encode(c.base()));
        } else if (f instanceof CalibratedForecaster c) {
            n.put("type", "calibrated").put("window", c.window()).put("nominal", c.nominal()).put("phase", c.phase());
            // the served families bound memory, network and disk at the engine's quantiles (ModelFamilies), not at
            // the CPU's: each resource's nominal is saved so the loop serves the bound that was evaluated
            ObjectNode apart = JSON.createObjectNode();
            for (Resource r : Resource.values()) {
                if (c.nominal(r) != c.nominal()) {
                    apart.put(r.name(), c.nominal(r));
                }
            }
            if (!apart.isEmpty()) {
                n.set("nominalApart", apart);
            }
            if (!c.everyPhase().isEmpty()) {
                ArrayNode every = n.putArray("everyPhase");
                for (Resource r : Resource.values()) {
                    if (c.everyPhase().contains(r)) {
                        every.add(r.name());
                    }
                }
            }
            n.set("base", encode(asForecaster(c.base())));
        } else if (f instanceof BlendForecaster b) {
            n.put("type", "blend");
            n.set("model", JSON.valueToTree(b.model()));
        } else if (f instanceof TreeEnsembleForecaster t) {
            requireNoHolidays(t.holidays(), "gbt");
            n.put("type", "gbt-trees").put("version", t.version());
            n.set("trees", treesJson(t.trees()));
        } else if (f instanceof SeasonalArForecaster a) {
            n.put("type", "seasonal-ar").put("p", a.p()).put("season", a.season()).put("window", a.window());
        } else if (f instanceof DecomposableForecaster d) {
            requireNoHolidays(d.holidays(), "decomposable");
            n.put("type", "decomposable").put("window", d.window()).put("changepoints", d.changepoints())
                    .put("dailyOrder", d.dailyOrder()).put("weeklyOrder", d.weeklyOrder())
                    .put("seasonalPenalty", d.seasonalPenalty()).put("changepointPenalty", d.changepointPenalty())
                    .put("holidays", "none");
        } else if (f instanceof ModelSelector s) {
            n.put("type", "selector").put("horizon", s.horizon()).put("origins", s.origins()).put("spacing", s.spacing());
            ArrayNode a = n.putArray("candidates");
            s.candidates().forEach(x -> a.add(encode(x)));
        } else if (f instanceof LinearLagForecaster l) {
            n.put("type", "lag-linear").put("resource", l.resource().name()).put("name", l.name())
                    .put("intercept", l.intercept());
            ArrayNode fe = n.putArray("features");
            for (String x : l.features()) {
                fe.add(x);
            }
            ArrayNode co = n.putArray("coefficients");
            for (double x : l.coefficients()) {
                co.add(x);
            }
            n.set("base", encode(l.base()));
        } else if (f instanceof SeasonalNaiveForecaster s) {
            n.put("type", "seasonal-naive").put("seasonSteps", s.seasonSteps()).put("window", s.window())
                    .put("quantile", s.quantile());
        } else if (f instanceof LastValueForecaster l) {
            n.put("type", "last-value").put("window", l.window()).put("quantile", l.quantile());
        } else if (f instanceof GlobalGbtForecaster g) {
            n.put("type", "gbt-m5").put("version", g.version());
            n.set("trees", treesJson(g.trees()));
        } else if (f instanceof DampedEtsForecaster e) {
            n.put("type", "ets-damped").put("fitWindow", e.fitWindow());
        } else if (f instanceof PerResourceForecaster p) {
            n.put("type", "per-resource");
            ObjectNode parts = n.putObject("parts");
            for (Resource r : Resource.values()) {
                parts.set(r.name(), encode(asForecaster(p.part(r))));
            }
        } else if (f instanceof RecentMedianForecaster m) {
            n.put("type", "recent-median").put("k", m.k()).put("window", m.window()).put("quantile", m.quantile());
        } else if (f instanceof PeriodicChoiceForecaster c) {
            n.put("type", "periodic-choice").put("maxPeriod", c.maxPeriod()).put("periodSteps", c.periodSteps())
                    .put("choiceOrigins", c.choiceOrigins()).put("margin", c.margin());
            n.set("base", encode(asForecaster(c.base())));
        } else {
            throw new IllegalArgumentException("cannot save a " + f.getClass().getSimpleName()
                    + ": the model format knows conformal, calibrated, blend, gbt-trees, seasonal-ar, decomposable, selector,"
                    + " lag-linear, seasonal-naive, last-value, recent-median, ets-damped, gbt-m5, per-resource and periodic-choice components");
        }
        return n;
    }

    static Forecaster decode(JsonNode n) {
        String type = n.path("type").asText("");
        switch (type) {
            case "conformal":
                return new ConformalForecaster(decode(n.path("base")), num(n, "quantile"), integer(n, "origins"),
                        integer(n, "spacing"));
            case "calibrated": {
                Forecaster base = decode(n.path("base"));
                if (!(base instanceof PointForecaster p)) {
                    throw new IllegalArgumentException("calibrated component needs a point forecaster as base, got "
                            + n.path("base").path("type").asText());
                }
                java.util.Set<Resource> everyPhase = java.util.EnumSet.noneOf(Resource.class);
                n.path("everyPhase").forEach(r -> everyPhase.add(Resource.valueOf(r.asText())));
                CalibratedForecaster c = new CalibratedForecaster(p, integer(n, "window"), num(n, "nominal"),
                        n.path("phase").asInt(1), everyPhase);
                for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) () -> n.path("nominalApart").fields()) {
                    c = c.withNominal(Resource.valueOf(e.getKey()), e.getValue().asDouble());
                }
                return c;
            }
            case "blend":
                try {
                    return new BlendForecaster(JSON.treeToValue(n.path("model"), BlendForecaster.Model.class));
                } catch (IOException e) {
                    throw new IllegalArgumentException("blend model is malformed: " + e.getMessage().lines().findFirst().orElse(""));
                }
            case "gbt-trees":
                return new TreeEnsembleForecaster(TreeEnsemble.fromJson(n.path("trees").toString()), UserFeatures.NO_HOLIDAYS,
                        n.path("version").asText("unversioned"));
            case "seasonal-ar":
                return new SeasonalArForecaster(integer(n, "p"), integer(n, "season"), integer(n, "window"));
            case "decomposable":
                if (!"none".equals(n.path("holidays").asText())) {
                    throw new IllegalArgumentException("decomposable model needs holiday calendar '"
                            + n.path("holidays").asText() + "', this code has only 'none'");
                }
                return new DecomposableForecaster(integer(n, "window"), integer(n, "changepoints"), integer(n, "dailyOrder"),
                        integer(n, "weeklyOrder"), num(n, "seasonalPenalty"), num(n, "changepointPenalty"),
                        UserFeatures.NO_HOLIDAYS);
            case "selector": {
                List<Forecaster> c = new ArrayList<>();
                n.path("candidates").forEach(x -> c.add(decode(x)));
                return new ModelSelector(c, integer(n, "horizon"), integer(n, "origins"), integer(n, "spacing"));
            }
            case "lag-linear": {
                JsonNode fe = n.path("features"), co = n.path("coefficients");
                String[] names = new String[fe.size()];
                double[] c = new double[co.size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = fe.get(i).asText();
                }
                for (int i = 0; i < c.length; i++) {
                    c[i] = co.get(i).asDouble();
                }
                return new LinearLagForecaster(Resource.valueOf(n.path("resource").asText()), names, c,
                        num(n, "intercept"), decode(n.path("base")), n.path("name").asText("lag-linear"));
            }
            case "seasonal-naive":
                return new SeasonalNaiveForecaster(integer(n, "seasonSteps"), integer(n, "window"), num(n, "quantile"));
            case "last-value":
                return new LastValueForecaster(integer(n, "window"), num(n, "quantile"));
            case "gbt-m5":
                return new GlobalGbtForecaster(TreeEnsemble.fromJson(n.path("trees").toString()), n.path("version").asText("unversioned"));
            case "ets-damped":
                return new DampedEtsForecaster(integer(n, "fitWindow"));
            case "per-resource": {
                java.util.Map<Resource, PointForecaster> parts = new java.util.EnumMap<>(Resource.class);
                for (Resource r : Resource.values()) {
                    if (decode(n.path("parts").path(r.name())) instanceof PointForecaster p) {
                        parts.put(r, p);
                    } else {
                        throw new IllegalArgumentException("per-resource component needs a point model for " + r.name());
                    }
                }
                return new PerResourceForecaster(parts);
            }
            case "recent-median":
                return new RecentMedianForecaster(integer(n, "k"), integer(n, "window"), num(n, "quantile"));
            case "periodic-choice": {
                if (!(decode(n.path("base")) instanceof PointForecaster base)) {
                    throw new IllegalArgumentException("periodic-choice component needs a point model as its base");
                }
                return new PeriodicChoiceForecaster(base, integer(n, "maxPeriod"), integer(n, "periodSteps"),
                        integer(n, "choiceOrigins"), num(n, "margin"));
            }
            default:
                throw new IllegalArgumentException("unknown model component '" + type + "'");
        }
    }

    private static JsonNode treesJson(TreeEnsemble trees) {
        try {
            return JSON.readTree(trees.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every point model the format knows is also a forecaster (its own bound is unused under calibration). */
    private static Forecaster asForecaster(PointForecaster p) {
        if (p instanceof Forecaster f) {
            return f;
        }
        throw new IllegalArgumentException("cannot save point model " + p.getClass().getSimpleName()
                + ": it is not a forecaster component the format knows");
    }

    private static void requireNoHolidays(java.util.function.LongPredicate p, String what) {
        if (p != UserFeatures.NO_HOLIDAYS) {
            throw new IllegalArgumentException("cannot save a " + what + " model with a holiday calendar: the format"
                    + " records only 'none'");
        }
    }

    private static double num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(n.path("type").asText() + " component needs a number '" + field + "'");
        }
        return v.asDouble();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(n.path("type").asText() + " component needs an integer '" + field + "'");
        }
        return v.asInt();
    }

    // --- the manifest ---------------------------------------------------------------------------

    private static ObjectNode manifestJson(Manifest m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT).put("family", m.family()).put("version", m.version());
        root.set("params", JSON.valueToTree(new java.util.TreeMap<>(m.params())));
        ObjectNode schema = root.putObject("featureSchema");
        schema.put("hash", m.schemaHash());
        schema.set("features", JSON.valueToTree(m.features()));
        root.putObject("trainingWindow").put("from", m.trainFrom()).put("to", m.trainTo());
        ObjectNode metrics = root.putObject("metrics");
        m.metrics().forEach((k, v) -> putNumber(metrics, k, v));
        ObjectNode gate = root.putObject("gate");
        gate.put("passed", m.gate().passed()).put("reason", m.gate().reason());
        ObjectNode gm = gate.putObject("metrics");
        m.gate().metrics().forEach((k, v) -> putNumber(gm, k, v));
        return root;
    }

    /** JSON has no NaN: an unscored metric is written as null and read back as NaN. */
    private static void putNumber(ObjectNode n, String k, Double v) {
        if (v == null || !Double.isFinite(v)) {
            n.putNull(k);
        } else {
            n.put(k, v);
        }
    }

    private static Map<String, Double> numbers(JsonNode n) {
        Map<String, Double> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble() : Double.NaN));
        return m;
    }

    private static Manifest manifest(Path dir, JsonNode root) {
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new RefusedException(dir.resolve(MANIFEST) + " has format '" + root.path("format").asText()
                    + "', expected '" + FORMAT + "': retrain the model with this version of Foresight");
        }
        String family = root.path("family").asText("");
        if (family.isEmpty() || !root.path("model").isObject()) {
            throw new RefusedException(dir.resolve(MANIFEST) + " names no family or has no model: the artifact is"
                    + " incomplete; retrain it");
        }
        Map<String, String> params = new LinkedHashMap<>();
        root.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        List<String> features = new ArrayList<>();
        root.path("featureSchema").path("features").forEach(x -> features.add(x.asText()));
        JsonNode g = root.path("gate");
        GateVerdict gate = g.path("passed").isBoolean() && !g.path("reason").asText("").isBlank()
                ? new GateVerdict(g.path("passed").asBoolean(), g.path("reason").asText(), numbers(g.path("metrics")))
                : new GateVerdict(false, "the manifest carries no gate verdict", Map.of());
        return new Manifest(family, root.path("version").asText(""), params, features,
                root.path("featureSchema").path("hash").asText(""), root.path("trainingWindow").path("from").asLong(),
                root.path("trainingWindow").path("to").asLong(), numbers(root.path("metrics")), gate);
    }

    private static JsonNode readRoot(Path dir) {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) {
            throw new RefusedException(dir + " has no " + MANIFEST + ": not a Foresight model directory (train one with"
                    + " `foresight train`)");
        }
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new RefusedException(f + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "): the artifact is corrupt; retrain or download it again");
        }
    }

    private static void write(Path dir, ObjectNode root) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(MANIFEST + ".tmp");
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model manifest into " + dir, e);
        }
    }
}
