package io.foresight.app;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.cost.PriceBook;
import io.foresight.rules.DroolsPolicyGate;
import io.foresight.rules.PolicyRepository;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the control worker's collaborators from configuration, so `worker` and `demo` run the same
 * wiring: the Drools policy gate on the configured rules directory (hot-reloaded each cycle), the
 * trace-replay usage source, the simulated cluster, and the forecaster chosen by {@link Models}.
 */
final class Wiring {
    private Wiring() {}

    /**
     * History before the first control cycle: four days, since the anomaly detector's seasonal baseline
     * needs three past days and its robust scale most of a fourth.
     */
    static final int WARMUP_STEPS = 4 * 288;

    static Path loopStateDir(FsConfig config) {
        return config.stateDir().resolve("loop");
    }

    /** The policy repository: the configured directory (rules.dir), else the DRL files bundled in the jar. */
    static PolicyRepository policies(FsConfig config) {
        String dir = config.get("rules.dir", null);
        if (dir == null) {
            return PolicyRepository.bundled();
        }
        Path p = config.path("rules.dir", dir);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("rules.dir " + p + " is not a directory. Fix: point FORESIGHT_RULES_DIR at a folder of .drl files "
                    + "(./foresight rules export DIR writes the bundled ones there)");
        }
        return PolicyRepository.fromDirectory(p);
    }

    /** Time budget per policy decision: policy.time.budget.ms (FORESIGHT_POLICY_TIME_BUDGET_MS), else 2 s. */
    static DroolsPolicyGate.Budget policyBudget(FsConfig config) {
        String ms = config.get("policy.time.budget.ms", null);
        return ms == null ? DroolsPolicyGate.Budget.DEFAULT
                : DroolsPolicyGate.Budget.configured(java.util.Map.of(DroolsPolicyGate.Budget.TIME_ENV, ms));
    }

    /**
     * The policy gate: the rules, their time budget, and policy.threads (FORESIGHT_POLICY_THREADS, default: the cores)
     * threads to check a large pool's teams on when the rules are team-local; 1 checks every change on one thread.
     */
    static DroolsPolicyGate policyGate(FsConfig config, PolicyRepository rules) {
        String t = config.get("policy.threads", null);
        int threads = Runtime.getRuntime().availableProcessors();
        if (t != null) {
            try {
                threads = Integer.parseInt(t.strip());
            } catch (NumberFormatException e) {
                threads = 0;
            }
            if (threads < 1) {
                throw new IllegalArgumentException("policy.threads=" + t + " is not a number of threads >= 1. Fix: set "
                        + "FORESIGHT_POLICY_THREADS to 1 (one thread) or more, or unset it for one per core");
            }
        }
        return new DroolsPolicyGate(rules, PriceBook.DEFAULT, policyBudget(config), threads);
    }

    /** The pool's users (team, tier, spot allowed) from users.file; the defaults when the key is unset. */
    static io.foresight.core.engine.UserDirectory users(FsConfig config) {
        String f = config.get("users.file", null);
        if (f == null) {
            return io.foresight.core.engine.UserDirectory.DEFAULTS;
        }
        Path p = config.path("users.file", f);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("users.file " + p + " does not exist. Fix: point FORESIGHT_USERS_FILE at a "
                    + "properties file like conf/users.properties, or unset it for the defaults");
        }
        return io.foresight.core.engine.UserDirectory.load(p);
    }

    /**
     * Every source kind a pool file can name: trace replay, Prometheus, and the ingestion store read through its API
     * with ingest.token (FORESIGHT_INGEST_TOKEN): the token stays in the worker's configuration, out of the workflow's
     * input, which the Temporal UI shows.
     */
    static io.foresight.activities.controlloop.UsageSource.Resolver usageSources(FsConfig config,
                                                                                  java.util.function.LongSupplier clock) {
        var others = io.foresight.activities.controlloop.PrometheusUsageSource.withTraces(
                io.foresight.activities.controlloop.TraceUsageSource.resolver(WARMUP_STEPS), clock);
        var store = io.foresight.activities.controlloop.StoreUsageSource.resolver(WARMUP_STEPS, clock,
                url -> ingestClient(config, url));
        return ref -> ref.startsWith("store:") ? store.open(ref) : others.open(ref);
    }

    /**
     * Where the training worker reads a retraining's data: a loop on a live source asks for its own history (its
     * source reference, opened as the control worker opens it, read up to what the loop has seen); trace files
     * otherwise.
     */
    static io.foresight.core.eval.RetrainWindow.Data trainingData(FsConfig config) {
        var live = usageSources(config, () -> System.currentTimeMillis() / 1000);
        return (refs, maxUsers, endTime) -> {
            if (refs.size() == 1 && (refs.get(0).startsWith("prometheus:") || refs.get(0).startsWith("store:"))) {
                return io.foresight.activities.controlloop.LiveHistory.before(live.open(refs.get(0)), maxUsers,
                        endTime > 0 ? endTime : System.currentTimeMillis() / 1000);
            }
            return io.foresight.core.eval.RetrainWindow.FILES.read(refs, maxUsers, endTime);
        };
    }

    /**
     * The ingestion API at {@code url}, read with ingest.token (FORESIGHT_INGEST_TOKEN) and, for https with a certificate
     * the JVM does not trust (the self-signed one of deploy/gen-secrets.sh), ingest.tls.truststore
     * (FORESIGHT_INGEST_TLS_TRUSTSTORE) with ingest.tls.truststore.password, else ingest.tls.password.
     */
    static io.foresight.collect.api.IngestClient ingestClient(FsConfig config, String url) {
        String trust = config.get("ingest.tls.truststore", null);
        javax.net.ssl.SSLContext tls = trust == null ? null : io.foresight.collect.api.IngestClient.trusting(
                config.path("ingest.tls.truststore", trust),
                config.get("ingest.tls.truststore.password", config.get("ingest.tls.password", null)));
        return new io.foresight.collect.api.IngestClient(java.net.URI.create(url), config.get("ingest.token", null),
                java.time.Duration.ofSeconds(30), tls);
    }

    static ControlWorkerConfig controlWorker(FsConfig config, Models models) {
        return controlWorker(config, models, policies(config));
    }

    static ControlWorkerConfig controlWorker(FsConfig config, Models models, PolicyRepository policies) {
        // the planner settings the evaluation measured, so `evaluate` scores what the loop runs
        return ControlWorkerConfig.defaults(loopStateDir(config)).withPools(pools(config, models))
                .withActuator(new SimulatedCluster(loopStateDir(config).resolve("cluster"), cluster(config)))
                .withUsageSources(usageSources(config, () -> System.currentTimeMillis() / 1000))
                .withPolicy(policyGate(config, policies))
                .withPlanner(io.foresight.core.eval.Policies.ForesightSettings.defaults().planner())
                .withForecasters(models.provider())
                .withProfiles(users(config)::base);
    }

    /**
     * Where the loop keeps its state (state.store, FORESIGHT_STATE_STORE): {@code files} (the default) in
     * {@link #loopStateDir}, or {@code postgresql} shared by workers on several hosts, at state.store.url (default the
     * local stack's server, postgres.ip:postgres.port) as state.store.user with state.store.password (default the
     * local stack's generated one). A store that cannot be reached is a one-line error naming cause and fix.
     */
    static io.foresight.activities.controlloop.StateStore stateStore(FsConfig config) {
        String kind = config.get("state.store", "files");
        switch (kind) {
            case "files" -> {
                var files = new io.foresight.activities.controlloop.FileStateStore(loopStateDir(config));
                files.check();
                return files;
            }
            case "postgresql" -> {
                return io.foresight.activities.controlloop.PostgresStateStore.open(postgresSettings(config));
            }
            default -> throw new IllegalArgumentException("state.store '" + kind + "' is not a state store. Fix: set "
                    + "state.store (FORESIGHT_STATE_STORE) to files or postgresql");
        }
    }

    static io.foresight.activities.controlloop.PostgresStateStore.Settings postgresSettings(FsConfig config) {
        String ip = config.get("postgres.ip", "127.0.0.1");
        int port = config.getInt("postgres.port", 5532);
        String url = config.get("state.store.url", io.foresight.app.stack.LocalPostgres.url(ip, port));
        String password = config.get("state.store.password", null);
        if (password == null) {
            Path local = config.stateDir().resolve("postgres").resolve("password");
            if (!Files.isReadable(local)) {
                throw new IllegalArgumentException("state.store=postgresql but no password: state.store.password is unset and "
                        + "the local stack's " + local + " does not exist. Fix: set FORESIGHT_STATE_STORE_PASSWORD, or run "
                        + "'./foresight stack up' to start the local PostgreSQL");
            }
            try {
                password = Files.readString(local).trim();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read " + local + ": " + e.getMessage() + ". Fix: check its permissions");
            }
        }
        return new io.foresight.activities.controlloop.PostgresStateStore.Settings(url,
                config.get("state.store.user", io.foresight.app.stack.LocalPostgres.ROLE), password);
    }

    /**
     * Builds a pool's collaborators from its pool file's settings: its rules directory (else the worker's) with its
     * pool kind's thresholds, the forecaster following its model alias, its users file, and its actuator. What the
     * settings leave out stays the worker's. Errors name the setting and the fix (the cycle fails, visible in status).
     */
    static io.foresight.activities.PoolWiring pools(FsConfig config, Models models) {
        return (worker, s) -> {
            ControlWorkerConfig c = worker;
            if (s.rulesDir() != null || s.poolKind() != null) {
                io.foresight.rules.PoolKind kind = s.poolKind() == null ? io.foresight.rules.PoolKind.VM_FLEET
                        : io.foresight.rules.PoolKind.parse(s.poolKind());
                PolicyRepository rules;
                if (s.rulesDir() != null) {
                    Path dir = Path.of(s.rulesDir());
                    if (!Files.isDirectory(dir)) {
                        throw new IllegalArgumentException("the pool's rules directory " + dir + " does not exist on this worker. "
                                + "Fix: make the pool file's rules: folder available at the same path on every worker host");
                    }
                    rules = PolicyRepository.fromDirectory(dir, kind);
                } else {
                    rules = policies(config).forKind(kind);
                }
                c = c.withPolicy(policyGate(config, rules));
            }
            if (s.model() != null) {
                c = c.withForecasters(models.forAlias(s.model()).provider());
            }
            if (s.usersFile() != null) {
                Path users = Path.of(s.usersFile());
                if (!Files.isRegularFile(users)) {
                    throw new IllegalArgumentException("the pool's users file " + users + " does not exist on this worker. "
                            + "Fix: make the pool file's users: file available at the same path on every worker host");
                }
                c = c.withProfiles(io.foresight.core.engine.UserDirectory.load(users)::base);
            }
            if (s.kubernetes()) {
                io.foresight.kubernetes.KubernetesActuatorConfig k = io.foresight.kubernetes.KubernetesActuatorConfig.fromEnv(System.getenv());
                if (s.namespacePrefix() != null) {
                    k = k.withNamespacePrefix(s.namespacePrefix());
                }
                c = c.withActuator(io.foresight.kubernetes.KubernetesActuator.connect(
                        s.kubeconfig() == null ? null : Path.of(s.kubeconfig()), s.kubeContext(), k));
            }
            return c;
        };
    }

    /** The simulated cluster's settings (cluster.* in conf/foresight.properties); the defaults model nothing extra. */
    static SimulatedCluster.Config cluster(FsConfig config) {
        String lead = config.get("cluster.lead.seconds", "0,0,0,0");
        String[] f = lead.split(",");
        String rate = config.get("cluster.spot.interruptions.per.hour", "0");
        try {
            if (f.length != 4) {
                throw new NumberFormatException("needs 4 values");
            }
            return SimulatedCluster.Config.defaults()
                    .withLeadSeconds(Long.parseLong(f[0].trim()), Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()),
                            Long.parseLong(f[3].trim()))
                    .withSpotInterruptions(Long.parseLong(config.get("cluster.spot.seed", "42").trim()),
                            Double.parseDouble(rate.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad simulated cluster settings (cluster.lead.seconds='" + lead
                    + "', cluster.spot.interruptions.per.hour='" + rate + "'): " + e.getMessage() + ". Fix: four lead "
                    + "times in seconds >= 0 (cpu,memory,network,disk) and a probability in [0,1]");
        }
    }
}
