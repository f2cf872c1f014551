package io.foresight.app;

import io.foresight.activities.controlloop.ForecasterProvider;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.eval.ModelFamilies;
import io.foresight.core.forecast.ModelArtifacts;
import io.foresight.core.trace.Trace;
import io.foresight.mlflow.ArtifactStore;
import io.foresight.mlflow.MlflowConnection;
import io.foresight.mlflow.MlflowException;
import io.foresight.mlflow.ModelRegistry;
import io.foresight.mlflow.ModelVersionRef;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The model a command scores, chosen as {@code evaluate --model} spells it:
 * <ul>
 *   <li>{@code retrained}: what the retraining workflow would make champion from the training data on an empty
 *       registry (its default family, window and gate: {@link Models#retrained}), which the loop then serves;</li>
 *   <li>{@code champion}: exactly what the control loop serves ({@link Models#forLoop}): the registry's champion
 *       through the one loader, the cached champion while MLflow is down, else the blend baseline;</li>
 *   <li>a family ({@link ModelFamilies#ALL}): its newest registered version (gate passed or not: scoring is not
 *       serving, and the label says which); a family fitted in core (blend, seasonal AR, decomposable) with no
 *       registered version is fitted on the training data instead;</li>
 *   <li>{@code models:/NAME/VERSION}: that registered version.</li>
 * </ul>
 * Every registered version loads through {@link ModelArtifacts}, so a model trained on other features is refused.
 */
final class ModelChoice {
    static final String CHAMPION = "champion";
    /** What the retraining workflow would make champion from the training data (its default family, window and gate). */
    static final String RETRAINED = "retrained";
    private static final Pattern VERSION_URI = Pattern.compile("models:/([^/]+)/(\\d+)");

    private ModelChoice() {}

    /**
     * @param train the training data (the loop's baseline and core-fitted families are fitted on it), or null
     */
    static ForecasterProvider.ModelInUse resolve(String spec, FsConfig config, Trace train, PrintStream out) {
        String s = spec == null ? CHAMPION : spec.trim();
        if (s.equals(CHAMPION)) {
            return Models.forLoop(config, train, true, out).provider().current();
        }
        if (s.equals(RETRAINED)) {
            return Models.retrained(train, io.foresight.workflows.retrain.RetrainRequest.defaults(java.util.List.of("--train"), 0), out)
                    .provider().current();
        }
        Matcher m = VERSION_URI.matcher(s);
        if (m.matches()) {
            ModelRegistry registry = new ModelRegistry(Models.mlflow(config));
            ModelVersionRef v = registry(() -> registry.getVersion(m.group(1), m.group(2)), s);
            return fromRegistry(v, config, out);
        }
        if (s.startsWith("models:/")) {
            throw new IllegalArgumentException("cannot read model '" + s + "': use models:/NAME/VERSION (e.g. models:/"
                    + Models.REGISTERED_MODEL + "/3), champion, or a family: " + String.join(", ", ModelFamilies.ALL));
        }
        if (!ModelFamilies.ALL.contains(s)) {
            throw new IllegalArgumentException("unknown model '" + s + "': use champion, models:/NAME/VERSION or a family: "
                    + String.join(", ", ModelFamilies.ALL));
        }
        Optional<ModelVersionRef> latest;
        try {
            latest = new ModelRegistry(Models.mlflow(config)).latestWithTag(Models.REGISTERED_MODEL, ModelRegistry.TAG_FAMILY, s);
        } catch (MlflowException e) {
            latest = Optional.empty();
            out.println("  MLflow not reachable (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (latest.isPresent()) {
            return fromRegistry(latest.get(), config, out);
        }
        if (ModelFamilies.needsTrees(s) || ModelFamilies.needsM5Trees(s) || ModelFamilies.needsLinear(s)) {
            throw new IllegalArgumentException("no registered version of family " + s + " in " + Models.REGISTERED_MODEL
                    + ": train one with `foresight train --family " + s + "` (it is fitted on Spark)");
        }
        out.println("  model: " + s + " fitted on the training data (no registered version)");
        return new ForecasterProvider.ModelInUse(ModelFamilies.build(s, train, "fitted", null, null), s + "/fitted");
    }

    private static ForecasterProvider.ModelInUse fromRegistry(ModelVersionRef v, FsConfig config, PrintStream out) {
        Path dir = Models.cacheDir(config).resolve("scored").resolve(v.name().replaceAll("[^A-Za-z0-9._-]", "_"))
                .resolve(v.version());
        if (!Files.isRegularFile(dir.resolve(ModelArtifacts.MANIFEST))) {
            download(v, dir, config);
        }
        ModelArtifacts.LoadedModel m = ModelArtifacts.loadForBacktest(dir);
        String label = v.label() + " (" + m.family() + ", gate " + (m.gate().passed() ? "passed" : "not passed") + ")";
        out.println("  model: " + label + ": " + m.gate().reason());
        return new ForecasterProvider.ModelInUse(m.forecaster(), label);
    }

    static void download(ModelVersionRef v, Path dir, FsConfig config) {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + System.nanoTime());
        try {
            Files.createDirectories(dir.getParent());
            MlflowConnection conn = Models.mlflow(config);
            registry(() -> new ArtifactStore(conn).download(v.source(), tmp), v.label());
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + v.label() + " under " + dir, e);
        } finally {
            try (Stream<Path> s = Files.exists(tmp) ? Files.walk(tmp) : Stream.empty()) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a leftover temp copy is harmless: the next download uses a new name
            }
        }
    }

    private static <T> T registry(java.util.function.Supplier<T> call, String what) {
        try {
            return call.get();
        } catch (MlflowException e) {
            throw new IllegalStateException("cannot fetch " + what + " from MLflow (" + e.getMessage().lines().findFirst()
                    .orElse("") + "): start it (`foresight stack up`) or choose a family fitted in core");
        }
    }

    private static void registry(Runnable call, String what) {
        registry(() -> {
            call.run();
            return null;
        }, what);
    }
}
