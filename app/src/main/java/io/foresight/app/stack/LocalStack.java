package io.foresight.app.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The local stack of real services on 127.0.0.1, without Docker: the Temporal dev server with its
 * Web UI, the MLflow tracking server (SQLite backend, artifacts served by the server), and Prometheus
 * when the machine has it. Python tools come from a project-local virtualenv. Starting is idempotent
 * and health-checked; each service runs in its own session (so Ctrl-C in the launching shell does
 * not stop it) with its pid in {@code STATE/run} and its log in {@code STATE/logs}; {@code down}
 * stops exactly the process groups that {@code up} started.
 */
public final class LocalStack {
    private final FsConfig config;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public LocalStack(FsConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    public Path logsDir() {
        return config.stateDir().resolve("logs");
    }

    private Path runDir() {
        return config.stateDir().resolve("run");
    }

    private Path venvBin(String tool) {
        return config.venvDir().resolve("bin").resolve(tool);
    }

    /** True if the virtualenv has both tools the stack needs. */
    public boolean venvReady() {
        return Files.isExecutable(venvBin("temporal")) && Files.isExecutable(venvBin("mlflow"));
    }

    /** Creates the project-local virtualenv and installs the pinned stack packages, if needed. */
    public void ensureVenv() {
        if (venvReady()) {
            return;
        }
        mkdirs(logsDir());
        Path log = logsDir().resolve("venv-install.log");
        String python = config.get("python", "python3");
        if (!commandWorks(List.of(python, "--version"))) {
            throw new StackException(python + " is not installed or not on PATH. Fix: install Python 3 (e.g. apt-get install python3 python3-venv) or set FORESIGHT_PYTHON");
        }
        out.println("Installing the stack's Python packages (MLflow, Temporal CLI) into " + config.venvDir()
                + " (first run only; log: " + log + ")");
        if (!Files.isExecutable(config.venvDir().resolve("bin/python"))) {
            if (run(List.of(python, "-m", "venv", config.venvDir().toString()), log) != 0) {
                throw new StackException("'" + python + " -m venv' failed (see " + log + "). Fix: install the venv module (apt-get install python3-venv)");
            }
        }
        Path req = config.home().resolve("requirements-stack.txt");
        int rc = run(List.of(config.venvDir().resolve("bin/python").toString(), "-m", "pip", "install",
                "--disable-pip-version-check", "-q", "-r", req.toString()), log);
        if (rc != 0 || !venvReady()) {
            throw new StackException("installing " + req.getFileName() + " into " + config.venvDir() + " failed (see " + log
                    + "). Fix: check that PyPI is reachable, then run './foresight stack up' again");
        }
    }

    List<ServiceSpec> services() {
        Path state = config.stateDir();
        String tIp = config.get("temporal.ip", "127.0.0.1");
        int tPort = config.getInt("temporal.port", 7233);
        int uiPort = config.getInt("temporal.ui.port", 8233);
        String mIp = config.get("mlflow.ip", "127.0.0.1");
        int mPort = config.getInt("mlflow.port", 5000);
        String pIp = config.get("prometheus.ip", "127.0.0.1");
        int pPort = config.getInt("prometheus.port", 9090);
        List<ServiceSpec> s = new ArrayList<>();
        s.add(new ServiceSpec("temporal", List.of(venvBin("temporal").toString(), "server", "start-dev",
                "--ip", tIp, "--port", String.valueOf(tPort), "--ui-port", String.valueOf(uiPort),
                "--db-filename", state.resolve("temporal/temporal.db").toString(),
                "--namespace", config.get("temporal.namespace", "default"), "--log-level", "warn"),
                tIp, tPort, config.temporalUiUrl() + "/", config.temporalUiUrl(), state.resolve("temporal"), "temporal.port",
                List.of(new ServiceSpec.Port(uiPort, "temporal.ui.port", "the Temporal Web UI"))));
        s.add(new ServiceSpec("mlflow", List.of(venvBin("mlflow").toString(), "server",
                "--backend-store-uri", "sqlite:///" + state.resolve("mlflow/mlflow.db"),
                "--serve-artifacts", "--artifacts-destination", state.resolve("mlflow/artifacts").toUri().toString(),
                "--host", mIp, "--port", String.valueOf(mPort), "--workers", config.get("mlflow.workers", "1"),
                // DNS rebinding: a web page must not reach the tracking server under a name of its own
                "--allowed-hosts", mlflowAllowedHosts(mIp, mPort)),
                mIp, mPort, config.mlflowUrl() + "/health", config.mlflowUrl(), state.resolve("mlflow"), "mlflow.port"));
        Path prom = Path.of(config.get("prometheus.binary", "/usr/bin/prometheus"));
        if (Files.isExecutable(prom)) {
            s.add(new ServiceSpec("prometheus", List.of(prom.toString(),
                    "--config.file=" + state.resolve("prometheus/prometheus.yml"),
                    "--storage.tsdb.path=" + state.resolve("prometheus/data"),
                    "--web.listen-address=" + pIp + ":" + pPort, "--web.enable-remote-write-receiver",
                    // the bundled slice is from 2013: a shorter retention would delete its blocks
                    "--storage.tsdb.retention.time=100y"),
                    pIp, pPort, config.prometheusUrl() + "/-/ready", config.prometheusUrl(), state.resolve("prometheus"), "prometheus.port"));
        }
        Optional<LocalPostgres> pg = postgres();
        if (pg.isPresent()) {
            String ip = config.get("postgres.ip", "127.0.0.1");
            int port = config.getInt("postgres.port", 5532);
            s.add(new ServiceSpec(POSTGRES, pg.get().serverCommand(ip, port), ip, port, LocalPostgres.url(ip, port),
                    LocalPostgres.url(ip, port), state.resolve("postgres"), "postgres.port"));
        }
        return s;
    }

    static final String POSTGRES = "postgres";

    /** The loop's shared state store when {@code state.store=postgresql} and the machine has PostgreSQL's binaries. */
    public Optional<LocalPostgres> postgres() {
        if (!"postgresql".equals(config.get("state.store", "files"))) {
            return Optional.empty();
        }
        return LocalPostgres.findBinaries(config.get("postgres.bin.dir", null))
                .map(bin -> new LocalPostgres(bin, config.stateDir().resolve("postgres")));
    }

    /** Host headers the local MLflow answers: its loopback names, with and without the port. */
    static String mlflowAllowedHosts(String ip, int port) {
        java.util.LinkedHashSet<String> hosts = new java.util.LinkedHashSet<>(List.of("127.0.0.1", "localhost", ip));
        List<String> all = new ArrayList<>();
        for (String h : hosts) {
            all.add(h);
            all.add(h + ":" + port);
        }
        return String.join(",", all);
    }

    /** The first port of {@code s} that another program holds, as a one-line error naming the variable that moves it. */
    static Optional<String> portClash(ServiceSpec s) {
        for (ServiceSpec.Port p : s.ports()) {
            if (!portFree(s.ip(), p.port())) {
                return Optional.of("port " + p.port() + " on " + s.ip() + " (" + p.purpose() + ") is in use by another program."
                        + " Fix: stop that program or set " + FsConfig.envKey(p.configKey()) + " to a free port");
            }
        }
        return Optional.empty();
    }

    /**
     * Starts every service that is not running yet; on any failure stops what this call started.
     * Returns the names of the services this call started (so a caller can stop exactly those).
     */
    public List<String> up() {
        ensureVenv();
        mkdirs(logsDir());
        mkdirs(runDir());
        writePrometheusConfig();
        if ("postgresql".equals(config.get("state.store", "files")) && postgres().isEmpty()) {
            throw new StackException("state.store=postgresql but PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/postgres)."
                    + " Fix: apt-get install postgresql, or set FORESIGHT_POSTGRES_BIN_DIR, or use state.store=files");
        }
        if (services().stream().anyMatch(s -> s.name().equals("prometheus"))) {
            PrometheusBackfill.bundledSliceOnce(config, config.stateDir().resolve("prometheus/data"), out);
        }
        List<ServiceSpec> started = new ArrayList<>();
        try {
            for (ServiceSpec s : services()) {
                if (healthy(s) && pid(s).isPresent()) {
                    out.printf("%-10s already running  %s%n", s.name(), s.uiUrl());
                    continue;
                }
                if (healthy(s)) {
                    out.printf("%-10s already served by a process not started by Foresight at %s; using it%n", s.name(), s.uiUrl());
                    continue;
                }
                stopService(s); // a stale pid from a crashed run
                Optional<String> clash = portClash(s);
                if (clash.isPresent()) {
                    throw new StackException(clash.get());
                }
                start(s);
                started.add(s);
                awaitHealthy(s);
                if (s.name().equals(POSTGRES)) {
                    postgres().orElseThrow().ensureDatabase(s.ip(), s.port());
                }
                out.printf("%-10s up               %s%n", s.name(), s.uiUrl());
            }
            if (services().stream().noneMatch(s -> s.name().equals("prometheus"))) {
                out.println("prometheus not installed (" + config.get("prometheus.binary", "/usr/bin/prometheus")
                        + "); metrics are still served on :" + config.getInt("metrics.port", 9464)
                        + ". Fix: apt-get install prometheus");
            }
        } catch (RuntimeException e) {
            for (ServiceSpec s : started) {
                stopService(s);
            }
            throw e;
        }
        return started.stream().map(ServiceSpec::name).toList();
    }

    /** Stops the named services (those a caller started itself). */
    public void down(List<String> names) {
        for (ServiceSpec s : services()) {
            if (names.contains(s.name()) && stopService(s)) {
                out.printf("%-10s stopped%n", s.name());
            }
        }
    }

    public void down() {
        List<ServiceSpec> all = services();
        for (int i = all.size() - 1; i >= 0; i--) {
            ServiceSpec s = all.get(i);
            boolean was = stopService(s);
            out.printf("%-10s %s%n", s.name(), was ? "stopped" : "not running");
        }
    }

    /** One line per service: state, pid, address. Returns true if all are healthy. */
    public boolean status() {
        boolean all = true;
        for (ServiceSpec s : services()) {
            boolean ok = healthy(s);
            all &= ok;
            Optional<Long> pid = pid(s);
            out.printf("%-10s %-8s %-9s %s%n", s.name(), ok ? "healthy" : (pid.isPresent() ? "starting" : "stopped"),
                    pid.map(p -> "pid " + p).orElse("-"), s.uiUrl());
        }
        return all;
    }

    public boolean healthy(String name) {
        return services().stream().filter(s -> s.name().equals(name)).anyMatch(this::healthy);
    }

    boolean healthy(ServiceSpec s) {
        if (s.name().equals("temporal") && portFree(s.ip(), s.port())) {
            return false; // the UI alone does not make a server
        }
        if (s.name().equals(POSTGRES)) {
            return !portFree(s.ip(), s.port()) && postgres().map(pg -> pg.ready(s.ip(), s.port())).orElse(false);
        }
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(s.healthUrl())).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void start(ServiceSpec s) {
        mkdirs(s.workDir());
        Path log = logsDir().resolve(s.name() + ".log");
        if (s.name().equals(POSTGRES)) {
            postgres().orElseThrow().ensureCluster(log);
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // own session and process group: survives the shell, stopped as a group
        }
        cmd.addAll(s.command());
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(s.workDir().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            Files.writeString(pidFile(s), Long.toString(p.pid()));
        } catch (IOException e) {
            throw new StackException("cannot start " + s.name() + " (" + s.command().get(0) + "): " + e.getMessage()
                    + ". Fix: run './foresight stack up' again to reinstall the virtualenv, or check " + log);
        }
    }

    private void awaitHealthy(ServiceSpec s) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.getInt("stack.start.timeout", 120));
        while (System.nanoTime() < deadline) {
            if (healthy(s)) {
                return;
            }
            Optional<Long> pid = pid(s);
            if (pid.isEmpty()) {
                break; // it died
            }
            sleep(500);
        }
        Path log = logsDir().resolve(s.name() + ".log");
        Optional<String> clash = portClash(s);
        if (clash.isPresent() && pid(s).isEmpty()) {
            throw new StackException(s.name() + " stopped: " + clash.get());
        }
        throw new StackException(s.name() + " did not become healthy at " + s.healthUrl() + " (last log line: " + tail(log)
                + "). Fix: read " + log);
    }

    private Path pidFile(ServiceSpec s) {
        return runDir().resolve(s.name() + ".pid");
    }

    /** The pid of the service's process if its pid file names a live process. */
    Optional<Long> pid(ServiceSpec s) {
        Path f = pidFile(s);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(f).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops the service's process group; returns whether anything was running. */
    private boolean stopService(ServiceSpec s) {
        Optional<Long> pid = pid(s);
        try {
            Files.deleteIfExists(pidFile(s));
        } catch (IOException ignored) {
            // a leftover pid file is harmless: pid() checks liveness
        }
        if (pid.isEmpty()) {
            return false;
        }
        long p = pid.get();
        signalGroup(p, "TERM");
        ProcessHandle h = ProcessHandle.of(p).orElse(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (h != null && h.isAlive() && System.nanoTime() < deadline) {
            sleep(200);
        }
        signalGroup(p, "KILL"); // whatever is left of the group (e.g. MLflow's workers)
        return true;
    }

    private static void signalGroup(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writePrometheusConfig() {
        Path dir = config.stateDir().resolve("prometheus");
        mkdirs(dir);
        String yml = """
                # Written by ./foresight stack up from conf/foresight.properties; edits are overwritten.
                global:
                  scrape_interval: 5s
                  evaluation_interval: 15s
                scrape_configs:
                  - job_name: foresight
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                  - job_name: prometheus
                    static_configs:
                      - targets: ['%s:%d']
                """.formatted(config.getInt("metrics.port", 9464), config.get("prometheus.ip", "127.0.0.1"),
                config.getInt("prometheus.port", 9090));
        try {
            Files.writeString(dir.resolve("prometheus.yml"), yml);
        } catch (IOException e) {
            throw new StackException("cannot write " + dir.resolve("prometheus.yml") + ": " + e.getMessage() + ". Fix: check permissions of " + dir);
        }
    }

    static boolean portFree(String ip, int port) {
        try (ServerSocket ss = new ServerSocket(port, 1, InetAddress.getByName(ip))) {
            ss.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean commandWorks(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int run(List<String> cmd, Path log) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return p.waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The last non-blank log line, cut to 160 characters: a hint, the log file has the rest. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String last = "";
            for (int i = lines.size() - 1; i >= 0 && last.isBlank(); i--) {
                last = lines.get(i).strip();
            }
            return last.isEmpty() ? "empty" : last.length() > 160 ? last.substring(0, 157) + "..." : last;
        } catch (IOException | RuntimeException e) {
            return "no log";
        }
    }

    /** Creates {@code p}; the state folder above it is made first and kept private (0700): it holds tokens, models and logs. */
    private void mkdirs(Path p) {
        ensurePrivateDir(config.stateDir());
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new StackException("cannot create " + p + ": " + e.getMessage() + ". Fix: check permissions or set FORESIGHT_STATE_DIR");
        }
    }

    /** Creates {@code dir} with mode 0700, or tightens an existing one to it. */
    static void ensurePrivateDir(Path dir) {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> owner =
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(owner));
            }
            if (Files.getFileStore(dir).supportsFileAttributeView("posix")
                    && !Files.getPosixFilePermissions(dir).equals(owner)) {
                Files.setPosixFilePermissions(dir, owner); // umask may have widened it, or an older version made it 0755
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new StackException("the state folder " + dir + " is a file. Fix: move it away or set FORESIGHT_STATE_DIR");
            }
            ensurePrivateDir(dir); // created concurrently: just tighten it
        } catch (IOException | UnsupportedOperationException e) {
            throw new StackException("cannot create the private state folder " + dir + ": " + e.getMessage()
                    + ". Fix: check permissions or set FORESIGHT_STATE_DIR");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
