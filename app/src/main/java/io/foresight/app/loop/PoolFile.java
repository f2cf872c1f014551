package io.foresight.app.loop;

import io.foresight.core.model.Resource;
import io.foresight.rules.PoolKind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A pool file: what an operator writes to start a control loop ({@code ./foresight loop start --pool FILE}).
 * Two spellings of the same flat key set: YAML ({@code key: value}, files ending .yaml/.yml) or Java
 * properties ({@code key=value}). Nested YAML is not accepted on purpose: the keys are the documented ones,
 * spelled out (see examples/pool-prometheus.yaml), so a typo is an unknown key, never a silently ignored block.
 *
 * <p>Every error is one line naming the file and line, the key and the fix ({@link PoolFileException}).
 *
 * @param pool          pool id (the loop's workflow is control-loop-POOL)
 * @param source        trace:PATH[,PATH] | prometheus:URL | store:PATH
 * @param userLabel     Prometheus label identifying a user (prometheus only)
 * @param queries       PromQL per resource, {{label}} standing for userLabel (prometheus only)
 * @param actuator      simulated or kubernetes
 * @param kubeconfig    kubernetes: kubeconfig file, null = $KUBECONFIG or ~/.kube/config on the worker
 * @param kubeContext   kubernetes: context in the kubeconfig, null = its current context
 * @param namespacePrefix kubernetes: user u's namespace is prefix + u, null = fs-
 * @param intervalSeconds length of a control interval
 * @param mode          dry-run (default for live sources) or enforce (default for trace replay)
 * @param acceleration  data seconds per wall second: trace replay only, live sources run on the wall clock
 * @param rulesDir      folder of .drl files and thresholds, null = the worker's rules (FORESIGHT_RULES_DIR or bundled)
 * @param kind          vm-fleet or batch: which bundled thresholds
 * @param model         model alias in the registry, null = the worker's configured model
 * @param usersFile     users/teams/tiers/spot file (like conf/users.properties), null = the worker's users.file
 * @param shardSize     users per activity call (when shardCount is 0)
 * @param shardCount    &gt; 0: this many shards per cycle whatever the pool's size (a cycle's history then does not
 *                      grow with the users); 0 (default): shards of shardSize users
 * @param maxCycles     0 = until the source ends (trace) or stopped (live)
 * @param start         a live source's first interval, null = now (the interval that just ended)
 *
 * <p>Rules, pool kind, model, users and actuator reach the worker as the loop's {@link #settings()}: whichever
 * worker runs the loop's activities builds them (the paths must exist on the worker's host too).
 */
public record PoolFile(Path file, String pool, String source, String userLabel, Map<Resource, String> queries,
                       String actuator, Path kubeconfig, String kubeContext, String namespacePrefix,
                       long intervalSeconds, String mode, double acceleration, Path rulesDir,
                       PoolKind kind, String model, Path usersFile, int shardSize, int shardCount, long maxCycles,
                       java.time.Instant start) {

    /** The documented keys, with the fix shown for each when it is missing or wrong. */
    static final Map<String, String> KEYS = keys();

    private static Map<String, String> keys() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("pool", "a pool id without '/', e.g. pool: web-fleet");
        k.put("source", "trace:PATH, prometheus:URL or store:URL (the ingestion API of ./foresight data serve), e.g. "
                + "source: prometheus:http://127.0.0.1:9090");
        k.put("prometheus.user-label", "the label that names a user, e.g. prometheus.user-label: namespace");
        for (Resource r : Resource.values()) {
            k.put("prometheus.query." + r.name().toLowerCase(Locale.ROOT),
                    "a PromQL query aggregated by {{label}}, e.g. sum by ({{label}}) (rate(container_cpu_usage_seconds_total[5m]))");
        }
        k.put("actuator", "actuator: simulated (the in-process simulated cluster) or actuator: kubernetes");
        k.put("kubernetes.kubeconfig", "the worker's kubeconfig file, e.g. kubernetes.kubeconfig: /etc/foresight/kubeconfig "
                + "(default $KUBECONFIG or ~/.kube/config; only with actuator: kubernetes)");
        k.put("kubernetes.context", "a context of the kubeconfig, e.g. kubernetes.context: prod-eu (default: its current context)");
        k.put("kubernetes.namespace-prefix", "a DNS-label prefix, e.g. kubernetes.namespace-prefix: fs- (user u lives in "
                + "namespace fs-u)");
        k.put("interval", "seconds or a duration like 300, 300s, 5m, 1h");
        k.put("mode", "mode: dry-run (record decisions only) or mode: enforce");
        k.put("acceleration", "a number >= 1 (trace replay, or a live source's backfilled history from a past start:)");
        k.put("rules", "a folder of .drl files (./foresight rules export DIR writes the bundled ones)");
        k.put("pool-kind", "pool-kind: vm-fleet or pool-kind: batch");
        k.put("model", "a model alias in the registry (letters, digits, - or _), e.g. model: champion");
        k.put("users", "a users/teams/tiers/spot properties file like conf/users.properties, e.g. users: users.properties");
        k.put("start", "an ISO instant (e.g. 2013-07-05T00:00:00Z) for a live source to begin at a past time, e.g. a backfill");
        k.put("shard-size", "a positive number of users per activity call, e.g. shard-size: 500");
        k.put("shard-count", "a number >= 0 of shards per cycle whatever the pool's size (0 = shards of shard-size "
                + "users), e.g. shard-count: 4; set it or shard-size, not both");
        k.put("max-cycles", "a number >= 0 (0 = until stopped)");
        return Map.copyOf(k);
    }

    public PoolFile {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(source, "source");
        queries = Map.copyOf(queries);
    }

    public boolean live() {
        return !source.startsWith("trace:");
    }

    public boolean dryRun() {
        return mode.equals("dry-run");
    }

    /** What the worker builds for this pool: its rules and kind, model alias, users and actuator. */
    public io.foresight.workflows.controlloop.PoolSettings settings() {
        boolean k8s = actuator.equals("kubernetes");
        return new io.foresight.workflows.controlloop.PoolSettings(str(rulesDir), kind.label(), model, str(usersFile),
                actuator, k8s ? str(kubeconfig) : null, k8s ? kubeContext : null, k8s ? namespacePrefix : null);
    }

    private static String str(Path p) {
        return p == null ? null : p.toAbsolutePath().toString();
    }

    /**
     * The loop's data-source reference (without the start of a live source: {@link LiveSourceCheck} adds it), resolvable by the worker ({@code ControlWorkerConfig.usageSources()}):
     * a trace path as is; for the ingestion store its API's URL and the step; for Prometheus the URL with the user
     * label and the queries as URL-encoded parameters,
     * so the workflow input alone says what the loop reads (visible in the Temporal UI).
     */
    public String dataSource() {
        if (source.startsWith("store:")) {
            return source + "#step=" + intervalSeconds;
        }
        if (!source.startsWith("prometheus:")) {
            return source;
        }
        StringBuilder b = new StringBuilder(source).append("#label=").append(enc(userLabel));
        for (Map.Entry<Resource, String> q : new TreeMap<>(queries).entrySet()) {
            b.append('&').append(q.getKey().name().toLowerCase(Locale.ROOT)).append('=').append(enc(q.getValue()));
        }
        b.append("&step=").append(intervalSeconds);
        return b.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Reads and validates a pool file; relative paths in it are relative to the file's folder. */
    public static PoolFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new PoolFileException(file + ": no such file. Fix: pass --pool PATH to a pool file (see examples/pool-prometheus.yaml)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new PoolFileException(file + ": cannot read (" + e.getMessage() + "). Fix: check the file's permissions and encoding (UTF-8)");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        return parse(file, text, yaml);
    }

    /** A value and the line it was on. */
    record Entry(String value, int line) {}

    static PoolFile parse(Path file, String text, boolean yaml) {
        Map<String, Entry> e = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String raw = lines.get(i);
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || (!yaml && line.startsWith("!")) || (yaml && line.equals("---"))) {
                continue;
            }
            int sep = yaml ? line.indexOf(':') : indexOfSeparator(line);
            if (sep <= 0) {
                throw err(file, n, null, "expected 'key" + (yaml ? ": " : "=") + "value', got '" + abbreviate(line) + "'",
                        "write one key per line" + (yaml ? " (flat keys; no lists or nested blocks)" : ""));
            }
            if (yaml && Character.isWhitespace(raw.charAt(0))) {
                throw err(file, n, line.substring(0, sep).strip(), "indented (nested) YAML is not read",
                        "write the full key at the start of the line, e.g. prometheus.query.cpu: ...");
            }
            String key = line.substring(0, sep).strip();
            String value = line.substring(sep + 1).strip();
            if (yaml) {
                value = yamlScalar(file, n, key, value);
            }
            if (!KEYS.containsKey(key)) {
                throw err(file, n, key, "unknown key", "use one of " + String.join(", ", new TreeMap<>(KEYS).keySet())
                        + suggestion(key));
            }
            if (e.containsKey(key)) {
                throw err(file, n, key, "given twice (first on line " + e.get(key).line() + ")", "keep one");
            }
            if (value.isEmpty()) {
                throw err(file, n, key, "has no value", KEYS.get(key));
            }
            e.put(key, new Entry(value, n));
        }
        return build(file, e, lines.size());
    }

    private static PoolFile build(Path file, Map<String, Entry> e, int lastLine) {
        Path base = file.toAbsolutePath().getParent();
        String pool = required(file, e, "pool", lastLine);
        if (pool.contains("/") || !pool.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw bad(file, e, "pool", "'" + pool + "' is not a pool id");
        }
        String source = required(file, e, "source", lastLine);
        String userLabel = null;
        Map<Resource, String> queries = new EnumMap<>(Resource.class);
        if (source.startsWith("trace:")) {
            if (source.length() == "trace:".length()) {
                throw bad(file, e, "source", "trace: names no file");
            }
            StringBuilder paths = new StringBuilder();
            for (String p : source.substring("trace:".length()).split(",")) {
                Path resolved = path(file, e, "source", base, p.strip());
                if (!Files.isRegularFile(resolved)) {
                    throw bad(file, e, "source", "no trace file at " + resolved);
                }
                paths.append(paths.length() == 0 ? "" : ",").append(resolved);
            }
            source = "trace:" + paths;
        } else if (source.startsWith("prometheus:")) {
            String url = source.substring("prometheus:".length());
            try {
                URI u = URI.create(url);
                if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
            } catch (IllegalArgumentException x) {
                throw bad(file, e, "source", "'" + url + "' is not an http(s) URL");
            }
            userLabel = e.containsKey("prometheus.user-label") ? e.get("prometheus.user-label").value() : "namespace";
            if (!userLabel.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                throw bad(file, e, "prometheus.user-label", "'" + userLabel + "' is not a Prometheus label name");
            }
            for (Resource r : Resource.values()) {
                Entry q = e.get("prometheus.query." + r.name().toLowerCase(Locale.ROOT));
                if (q != null) {
                    queries.put(r, q.value());
                }
            }
            if (!queries.containsKey(Resource.CPU)) {
                throw err(file, lastLine, "prometheus.query.cpu", "missing (a prometheus source needs at least the cpu query)",
                        KEYS.get("prometheus.query.cpu"));
            }
        } else if (source.startsWith("store:")) {
            String url = source.substring("store:".length());
            try {
                URI u = URI.create(url);
                if (u.getScheme() == null || !u.getScheme().startsWith("http") || u.getHost() == null || u.getFragment() != null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
            } catch (IllegalArgumentException x) {
                throw bad(file, e, "source", "'" + url + "' is not the http(s) URL of an ingestion API (./foresight data serve), "
                        + "e.g. store:http://127.0.0.1:8088");
            }
        } else {
            throw bad(file, e, "source", "'" + source + "' names no known source kind");
        }
        if (!source.startsWith("prometheus:")) {
            for (String k : e.keySet()) {
                if (k.startsWith("prometheus.")) {
                    throw bad(file, e, k, "only applies to a prometheus: source");
                }
            }
        }
        boolean live = !source.startsWith("trace:");
        String actuator = optional(e, "actuator", "simulated");
        if (!actuator.equals("simulated") && !actuator.equals("kubernetes")) {
            throw bad(file, e, "actuator", "'" + actuator + "' is not an actuator");
        }
        Path kubeconfig = null;
        String namespacePrefix = null;
        for (String k : e.keySet()) {
            if (k.startsWith("kubernetes.") && !actuator.equals("kubernetes")) {
                throw bad(file, e, k, "only applies to actuator: kubernetes");
            }
        }
        if (e.containsKey("kubernetes.kubeconfig")) {
            kubeconfig = base.resolve(e.get("kubernetes.kubeconfig").value()).normalize();
            if (!Files.isRegularFile(kubeconfig)) {
                throw bad(file, e, "kubernetes.kubeconfig", "no file at " + kubeconfig);
            }
        }
        if (e.containsKey("kubernetes.namespace-prefix")) {
            namespacePrefix = e.get("kubernetes.namespace-prefix").value();
            if (!namespacePrefix.matches("[a-z0-9]([a-z0-9-]{0,30})")) {
                throw bad(file, e, "kubernetes.namespace-prefix", "'" + namespacePrefix
                        + "' cannot start a namespace name (lower-case letters, digits and '-', at most 31)");
            }
        }
        long interval = e.containsKey("interval") ? seconds(file, e, "interval") : 300;
        String mode = optional(e, "mode", live ? "dry-run" : "enforce");
        if (!mode.equals("dry-run") && !mode.equals("enforce")) {
            throw bad(file, e, "mode", "'" + mode + "' is not a mode");
        }
        double acceleration = 1;
        if (e.containsKey("acceleration")) {
            if (live && !e.containsKey("start")) {
                // only history already stored (a backfill from a past start:) can be replayed faster than it happened
                throw bad(file, e, "acceleration", "a live source runs on the wall clock; set start: to replay backfilled history faster");
            }
            try {
                acceleration = Double.parseDouble(e.get("acceleration").value());
            } catch (NumberFormatException x) {
                throw bad(file, e, "acceleration", "'" + e.get("acceleration").value() + "' is not a number");
            }
            if (!(acceleration >= 1) || Double.isInfinite(acceleration)) {
                throw bad(file, e, "acceleration", "must be >= 1");
            }
        }
        Path rules = null;
        if (e.containsKey("rules")) {
            rules = path(file, e, "rules", base, e.get("rules").value());
            if (!Files.isDirectory(rules)) {
                throw bad(file, e, "rules", rules + " is not a directory");
            }
        }
        String model = optional(e, "model", null);
        if (model != null && !model.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
            throw bad(file, e, "model", "'" + model + "' is not a registry alias");
        }
        PoolKind kind = PoolKind.VM_FLEET;
        if (e.containsKey("pool-kind")) {
            try {
                kind = PoolKind.parse(e.get("pool-kind").value());
            } catch (IllegalArgumentException x) {
                throw bad(file, e, "pool-kind", "'" + e.get("pool-kind").value() + "' is not a pool kind");
            }
        }
        Path users = null;
        if (e.containsKey("users")) {
            users = path(file, e, "users", base, e.get("users").value());
            if (!Files.isRegularFile(users)) {
                throw bad(file, e, "users", "no file at " + users);
            }
            try {
                io.foresight.core.engine.UserDirectory.load(users);
            } catch (RuntimeException x) {
                throw bad(file, e, "users", "cannot be read as a users file (" + firstLine(x) + ")");
            }
        }
        java.time.Instant start = null;
        if (e.containsKey("start")) {
            if (!live) {
                throw bad(file, e, "start", "only applies to a live source (a trace starts at its beginning)");
            }
            try {
                start = java.time.Instant.parse(e.get("start").value());
            } catch (java.time.format.DateTimeParseException x) {
                throw bad(file, e, "start", "'" + e.get("start").value() + "' is not an ISO instant");
            }
        }
        int shardSize = (int) positive(file, e, "shard-size", 500, 1);
        int shardCount = (int) positive(file, e, "shard-count", 0, 0);
        if (shardCount > 0 && e.containsKey("shard-size")) {
            throw bad(file, e, "shard-count", "and shard-size are both set (shard-count splits the pool into that many "
                    + "shards, shard-size into shards of that many users)");
        }
        long maxCycles = positive(file, e, "max-cycles", 0, 0);
        if (rules != null) {
            try {
                // the worker compiles the same files: a rule that does not compile stops the start, not a cycle
                io.foresight.rules.PolicyRepository.validate(rules, kind);
            } catch (RuntimeException x) {
                throw bad(file, e, "rules", "holds rules that do not load (" + firstLine(x) + ")");
            }
        }
        return new PoolFile(file, pool, source, userLabel, queries, actuator, kubeconfig,
                optional(e, "kubernetes.context", null), namespacePrefix, interval, mode, acceleration, rules, kind,
                model, users, shardSize, shardCount, maxCycles, start);
    }

    private static String firstLine(Throwable x) {
        String m = String.valueOf(x.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** {@code value} relative to the pool file's folder; a value that is no path (e.g. holds NUL) names its line. */
    private static Path path(Path file, Map<String, Entry> e, String key, Path base, String value) {
        try {
            return base.resolve(value).normalize();
        } catch (java.nio.file.InvalidPathException x) {
            throw bad(file, e, key, "'" + value + "' is not a file path (" + x.getReason() + ")");
        }
    }

    private static long positive(Path file, Map<String, Entry> e, String key, long dflt, long min) {
        if (!e.containsKey(key)) {
            return dflt;
        }
        try {
            long v = Long.parseLong(e.get(key).value());
            if (v < min || v > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException x) {
            throw bad(file, e, key, "'" + e.get(key).value() + "' is out of range");
        }
    }

    /** 300, 300s, 5m, 1h. */
    private static long seconds(Path file, Map<String, Entry> e, String key) {
        String v = e.get(key).value().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("s")) {
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unit = 60;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("h")) {
            unit = 3600;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n <= 0 || n > 86_400 / unit) {
                throw new NumberFormatException();
            }
            return n * unit;
        } catch (NumberFormatException x) {
            throw bad(file, e, key, "'" + e.get(key).value() + "' is not a duration between 1s and 24h");
        }
    }

    private static String required(Path file, Map<String, Entry> e, String key, int lastLine) {
        Entry v = e.get(key);
        if (v == null) {
            throw err(file, Math.max(1, lastLine), key, "missing", "add " + KEYS.get(key));
        }
        return v.value();
    }

    private static String optional(Map<String, Entry> e, String key, String dflt) {
        Entry v = e.get(key);
        return v == null ? dflt : v.value();
    }

    private static PoolFileException bad(Path file, Map<String, Entry> e, String key, String cause) {
        return err(file, e.get(key).line(), key, cause, KEYS.get(key));
    }

    static PoolFileException err(Path file, int line, String key, String cause, String fix) {
        return new PoolFileException(file + ":" + line + ": " + (key == null ? "" : "key '" + printable(key) + "' ")
                + printable(cause) + ". Fix: " + fix);
    }

    /** The text with control characters and line/paragraph separators escaped, so an error stays one line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Properties separators: the first unescaped '=' or ':'. */
    private static int indexOfSeparator(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '=' || c == ':') {
                return i;
            }
        }
        return -1;
    }

    /** A YAML scalar: plain (a trailing ' #' comment dropped) or single/double quoted. */
    private static String yamlScalar(Path file, int line, String key, String v) {
        if (v.startsWith("\"") || v.startsWith("'")) {
            char q = v.charAt(0);
            int end = v.lastIndexOf(q);
            if (end == 0) {
                throw err(file, line, key, "has an unterminated quote", "close the " + q + " quote");
            }
            String rest = v.substring(end + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith("#")) {
                throw err(file, line, key, "has text after the closing quote", "quote the whole value");
            }
            String s = v.substring(1, end);
            return q == '"' ? s.replace("\\\"", "\"").replace("\\\\", "\\") : s.replace("''", "'");
        }
        if (v.startsWith("[") || v.startsWith("{") || v.startsWith("|") || v.startsWith(">") || v.startsWith("&") || v.startsWith("*")) {
            throw err(file, line, key, "is a YAML list, block or anchor", "write a single value (quote it if it starts with " + v.charAt(0) + ")");
        }
        int c = v.indexOf(" #");
        return (c >= 0 ? v.substring(0, c) : v).strip();
    }

    private static String suggestion(String key) {
        String best = null;
        int bestD = 3;
        for (String k : KEYS.keySet()) {
            int d = distance(key.toLowerCase(Locale.ROOT), k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    static Set<String> keyNames() {
        return KEYS.keySet();
    }
}
