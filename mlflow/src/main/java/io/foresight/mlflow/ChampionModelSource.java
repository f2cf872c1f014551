package io.foresight.mlflow;

import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecaster the control loop uses: whatever version the {@code champion} alias points at. Call
 * {@link #refresh()} once per cycle; it resolves the alias, downloads a new version into a local cache
 * keyed by version and loads it with the caller's {@link Loader}. Anything that goes wrong (MLflow down, a
 * corrupt or incompatible artifact, a feature-schema mismatch) keeps the last good model, with one log line
 * naming the cause. The version last loaded is remembered in the cache: a process started while MLflow is down
 * (or unreachable) loads that cached champion, through the same loader, instead of serving the fallback, and
 * switches to the registry's champion once MLflow answers again. Only when no model was ever loaded here
 * does the caller's fallback forecast.
 * Every forecast names the version that made it in {@link Forecast#model()}, and is counted per version.
 */
public final class ChampionModelSource implements Forecaster {
    /** Loads a downloaded model directory; throws if the artifact is corrupt or incompatible. */
    @FunctionalInterface
    public interface Loader {
        Forecaster load(Path modelDir, ModelVersionRef version) throws Exception;
    }

    /** What the last {@link #refresh()} did. */
    public enum Refresh {
        /** A new version was downloaded (or found in the cache) and loaded. */
        LOADED,
        /** The alias still points at the active version. */
        UNCHANGED,
        /** Resolution or loading failed; the last good model stays active. */
        KEPT_LAST_GOOD,
        /** The registry could not be asked; the champion cached by an earlier run was loaded. */
        LOADED_FROM_CACHE,
        /** Resolution or loading failed (or no champion exists) and nothing was ever loaded: fallback active. */
        FALLBACK
    }

    static final String COMPLETE_MARKER = ".foresight-complete";
    /** In the model's cache directory: the version last loaded for the alias (name, version, source, run id). */
    static final String LAST_LOADED_PREFIX = "last-loaded-";
    private static final Logger log = LoggerFactory.getLogger(ChampionModelSource.class);

    private final ModelStore store;
    private final String model;
    private final String alias;
    private final Path cacheDir;
    private final Loader loader;
    private final Forecaster fallback;
    private final String expectedSchemaHash;
    private final Map<String, String> failedVersions = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> predictions = new ConcurrentHashMap<>();
    private volatile Active active;
    private volatile String lastProblem = "";
    /** Why the alias's current target is not served ("" while it is, or while the registry cannot be asked). */
    private volatile String refusal = "";

    private record Active(String label, Forecaster forecaster, ModelVersionRef version) {}

    private ChampionModelSource(Builder b) {
        this.store = Objects.requireNonNull(b.store, "store");
        this.model = Objects.requireNonNull(b.model, "model");
        this.alias = b.alias;
        this.cacheDir = Objects.requireNonNull(b.cacheDir, "cacheDir");
        this.loader = Objects.requireNonNull(b.loader, "loader");
        this.fallback = Objects.requireNonNull(b.fallback, "fallback");
        this.expectedSchemaHash = b.expectedSchemaHash;
        this.active = new Active("fallback:" + fallback.name(), fallback, null);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Resolves the alias and swaps in a new version if it loads; never throws for MLflow or artifact trouble. */
    public synchronized Refresh refresh() {
        ModelVersionRef target;
        try {
            target = store.resolve(model, alias).orElse(null);
        } catch (RuntimeException e) {
            String problem = "cannot resolve " + model + "@" + alias + " (" + e.getMessage() + ")";
            if (active.version() == null && loadLastCached(problem)) {
                return Refresh.LOADED_FROM_CACHE;
            }
            return keep(problem);
        }
        if (target == null) {
            refusal = "";
            return keep("registered model " + model + " has no @" + alias + " alias yet");
        }
        if (active.version() != null && active.version().version().equals(target.version())) {
            refusal = "";
            return Refresh.UNCHANGED;
        }
        String failed = failedVersions.get(target.version());
        if (failed != null) {
            // known bad: don't download it again every cycle, and don't repeat the warning
            refusal = refusalOf(target, failed);
            return active.version() == null ? Refresh.FALLBACK : Refresh.KEPT_LAST_GOOD;
        }
        String schema = target.tags().get(ModelRegistry.TAG_FEATURE_SCHEMA_HASH);
        if (expectedSchemaHash != null && !expectedSchemaHash.equals(schema)) {
            return reject(target, "feature schema " + schema + " does not match this service's " + expectedSchemaHash
                    + " (retrain on the current features or deploy the matching code)");
        }
        Forecaster loaded;
        try {
            Path dir = cached(target);
            loaded = Objects.requireNonNull(loader.load(dir, target), "loader returned null");
        } catch (Exception | LinkageError e) {
            if (e instanceof MlflowException) {
                // a download failure may be transient (server restarting): retry next cycle
                return keep("cannot download " + target.label() + " (" + e.getMessage() + ")");
            }
            return reject(target, "artifact does not load: " + e);
        }
        Active previous = active;
        active = new Active(target.label(), loaded, target);
        lastProblem = "";
        refusal = "";
        rememberLoaded(target);
        log.info("model {} active (was {})", target.label(), previous.label());
        return Refresh.LOADED;
    }

    /** Whether a service using {@code cacheDir} ever loaded {@code alias} of {@code model} (so a cached copy exists). */
    public static boolean hasCached(Path cacheDir, String model, String alias) {
        return Files.isRegularFile(cacheDir.resolve(safe(model)).resolve(LAST_LOADED_PREFIX + safe(alias)));
    }

    private Path lastLoadedFile() {
        return cacheDir.resolve(safe(model)).resolve(LAST_LOADED_PREFIX + safe(alias));
    }

    private void rememberLoaded(ModelVersionRef v) {
        try {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("name", v.name());
            p.setProperty("version", v.version());
            p.setProperty("source", v.source());
            p.setProperty("runId", v.runId());
            Path f = lastLoadedFile();
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            try (var w = Files.newBufferedWriter(tmp)) {
                p.store(w, "the " + alias + " last loaded by this service");
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("cannot remember {} as the cached {}: {}", v.label(), alias, e.toString());
        }
    }

    /** Loads the version remembered by {@link #rememberLoaded} from the cache; false if there is none or it fails. */
    private boolean loadLastCached(String problem) {
        Path f = lastLoadedFile();
        if (!Files.isRegularFile(f)) {
            return false;
        }
        ModelVersionRef v;
        try (var r = Files.newBufferedReader(f)) {
            java.util.Properties p = new java.util.Properties();
            p.load(r);
            v = new ModelVersionRef(p.getProperty("name", model), p.getProperty("version"), p.getProperty("source", ""),
                    p.getProperty("runId", ""), Map.of());
        } catch (IOException | RuntimeException e) {
            log.warn("cached {} pointer {} is unreadable: {}", alias, f, e.toString());
            return false;
        }
        Path dir = cacheDir.resolve(safe(model)).resolve(safe(v.version()));
        if (!Files.exists(dir.resolve(COMPLETE_MARKER))) {
            return false;
        }
        try {
            Forecaster loaded = Objects.requireNonNull(loader.load(dir, v), "loader returned null");
            active = new Active(v.label(), loaded, v);
            log.warn("{}; serving the cached {} {} until MLflow answers", problem, alias, v.label());
            lastProblem = problem;
            return true;
        } catch (Exception | LinkageError e) {
            log.warn("{}; the cached {} {} does not load either: {}", problem, alias, v.label(), e.toString());
            return false;
        }
    }

    private Refresh reject(ModelVersionRef v, String why) {
        failedVersions.put(v.version(), why);
        refusal = refusalOf(v, why);
        return keep(v.label() + " rejected: " + why);
    }

    private static String refusalOf(ModelVersionRef v, String why) {
        return v.label() + " refused: " + why;
    }

    private Refresh keep(String problem) {
        Active a = active;
        boolean fallback = a.version() == null;
        if (!problem.equals(lastProblem)) {
            log.warn("{}; {} stays active", problem, fallback ? "fallback " + a.label() : "last good model " + a.label());
            lastProblem = problem;
        }
        return fallback ? Refresh.FALLBACK : Refresh.KEPT_LAST_GOOD;
    }

    /** The version's directory in the cache, downloading it if it is not complete there. */
    private Path cached(ModelVersionRef v) throws IOException {
        Path dir = cacheDir.resolve(safe(model)).resolve(safe(v.version()));
        if (Files.exists(dir.resolve(COMPLETE_MARKER))) {
            return dir;
        }
        deleteTree(dir);
        Files.createDirectories(dir.getParent());
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + System.nanoTime());
        try {
            store.download(v, tmp);
            Files.writeString(tmp.resolve(COMPLETE_MARKER), v.source());
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
        return dir;
    }

    @Override
    public String name() {
        return active.label();
    }

    /** The active version, or empty while the fallback forecasts. */
    public java.util.Optional<ModelVersionRef> activeVersion() {
        return java.util.Optional.ofNullable(active.version());
    }

    /**
     * Why the version the alias points at is refused (feature schema, no passed gate, an artifact that does not
     * load), naming the version; "" when it is the one served. While it is refused the last good model (or the
     * fallback) serves. A registry that cannot be asked leaves the last answer as it was.
     */
    public String refusal() {
        return refusal;
    }

    /** Versions that failed to load, with the reason (they are not retried until the alias moves away and back). */
    public Map<String, String> rejectedVersions() {
        return Map.copyOf(failedVersions);
    }

    /** Forecasts made so far, per model label (e.g. "foresight-forecaster/v3", "fallback:seasonal-naive(...)"). */
    public Map<String, Long> predictionsByModel() {
        Map<String, Long> m = new LinkedHashMap<>();
        predictions.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        Active a = active; // one read: the whole forecast comes from one version
        Forecast f = a.forecaster().forecast(history, now, horizon);
        predictions.computeIfAbsent(a.label(), k -> new AtomicLong()).incrementAndGet();
        String label = f.model().equals(a.label()) ? a.label() : a.label() + " [" + f.model() + "]";
        return new Forecast(f.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), f.point(), f.upper(), label);
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    public static final class Builder {
        private ModelStore store;
        private String model;
        private String alias = ModelRegistry.CHAMPION;
        private Path cacheDir;
        private Loader loader;
        private Forecaster fallback;
        private String expectedSchemaHash;

        public Builder store(ModelStore store) { this.store = store; return this; }
        public Builder model(String registeredModel) { this.model = registeredModel; return this; }
        public Builder alias(String alias) { this.alias = Objects.requireNonNull(alias, "alias"); return this; }
        public Builder cacheDir(Path dir) { this.cacheDir = dir; return this; }
        public Builder loader(Loader loader) { this.loader = loader; return this; }
        /** Forecasts until a model was loaded once, e.g. {@code SeasonalNaiveForecaster.daily()}. */
        public Builder fallback(Forecaster fallback) { this.fallback = fallback; return this; }
        /** Versions whose feature-schema tag differs are rejected without loading. */
        public Builder expectedFeatureSchemaHash(String hash) { this.expectedSchemaHash = hash; return this; }

        public ChampionModelSource build() {
            return new ChampionModelSource(this);
        }
    }
}
