package io.foresight.app.stack;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Foresight's configuration: {@code conf/foresight.properties} under the repository root, each key
 * overridable by the environment ({@code temporal.port} by {@code FORESIGHT_TEMPORAL_PORT}).
 * The root is {@code FORESIGHT_HOME} (set by the {@code ./foresight} launcher) or the working directory.
 */
public final class FsConfig {
    private final Path home;
    private final Properties props;
    private final Map<String, String> env;

    FsConfig(Path home, Properties props, Map<String, String> env) {
        this.home = Objects.requireNonNull(home, "home");
        this.props = Objects.requireNonNull(props, "props");
        this.env = Objects.requireNonNull(env, "env");
    }

    public static FsConfig load() {
        return load(System.getenv());
    }

    /** The configuration as seen with environment {@code env} (tests pass their own). */
    public static FsConfig load(Map<String, String> env) {
        String h = env.get("FORESIGHT_HOME");
        Path home = (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
        Properties p = new Properties();
        Path file = home.resolve("conf/foresight.properties");
        String custom = env.get("FORESIGHT_CONFIG");
        if (custom != null && !custom.isBlank()) {
            file = Path.of(custom);
        }
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read configuration " + file + ": " + e.getMessage()
                        + ". Fix: make it a readable Java properties file", e);
            }
        } else if (custom != null && !custom.isBlank()) {
            throw new IllegalStateException("FORESIGHT_CONFIG points at " + file + ", which does not exist. Fix: unset it or point it at a properties file");
        }
        return new FsConfig(home, p, env);
    }

    static String envKey(String key) {
        return "FORESIGHT_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public Path home() {
        return home;
    }

    public String get(String key, String def) {
        String e = env.get(envKey(key));
        if (e != null && !e.isBlank()) {
            return e.trim();
        }
        String v = props.getProperty(key);
        return v == null || v.isBlank() ? def : v.trim();
    }

    public String require(String key) {
        String v = get(key, null);
        if (v == null) {
            throw new IllegalStateException("configuration key '" + key + "' is not set. Fix: set it in conf/foresight.properties or " + envKey(key));
        }
        return v;
    }

    public int getInt(String key, int def) {
        String v = get(key, null);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("configuration key '" + key + "' must be a whole number, got '" + v
                    + "'. Fix: correct it in conf/foresight.properties or " + envKey(key));
        }
    }

    /** A path setting resolved against the repository root. */
    public Path path(String key, String def) {
        Path p = Path.of(get(key, def));
        return p.isAbsolute() ? p : home.resolve(p).normalize();
    }

    /**
     * The state folder (models, logs, the loop's state, decisions), made private (0700) on first use by any command,
     * not only by {@code stack up}: a worker or demo started first would otherwise create it world-readable.
     */
    public Path stateDir() {
        Path dir = path("state.dir", ".foresight");
        if (!statePrivate) {
            try {
                LocalStack.ensurePrivateDir(dir);
                statePrivate = true;
            } catch (StackException e) {
                // not creatable here (e.g. a read-only checkout): whatever writes into it reports the cause and fix
            }
        }
        return dir;
    }

    private volatile boolean statePrivate;

    public Path venvDir() {
        return path("venv.dir", ".venv");
    }

    public String temporalTarget() {
        return get("temporal.ip", "127.0.0.1") + ":" + getInt("temporal.port", 7233);
    }

    public String temporalUiUrl() {
        return "http://" + get("temporal.ip", "127.0.0.1") + ":" + getInt("temporal.ui.port", 8233);
    }

    public String mlflowUrl() {
        return "http://" + get("mlflow.ip", "127.0.0.1") + ":" + getInt("mlflow.port", 5000);
    }

    public String prometheusUrl() {
        return "http://" + get("prometheus.ip", "127.0.0.1") + ":" + getInt("prometheus.port", 9090);
    }
}
