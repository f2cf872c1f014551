package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.app.loop.PoolFile;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerOptions;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control loop started from a pool file with {@code actuator: kubernetes} applies its decisions through the
 * Kubernetes actuator: the real workflow and activities on Temporal's in-memory test server, wired by the worker's
 * {@link Wiring} from the pool file's settings, against fabric8's mock API server in CRUD mode (it stores what is
 * written and serves it back, as an API server does).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesLoopTest {
    static final Path SLICE = Path.of("..", "data", "bitbrains-slice", "bitbrains-rnd-2013-07-01_14d_20vms.csv.gz").toAbsolutePath();

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    Path kubeconfig() throws Exception {
        return Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n"
                + "    server: " + client.getConfiguration().getMasterUrl() + "\n    insecure-skip-tls-verify: true\n"
                + "contexts:\n- name: mock\n  context:\n    cluster: mock\n    user: loop\n"
                + "current-context: mock\nusers:\n- name: loop\n  user:\n    token: t\n");
    }

    Path poolFile(String pool, String mode) throws Exception {
        kubeconfig();
        io.foresight.rules.PolicyRepository.exportBundled(dir.resolve("rules"));
        Files.writeString(dir.resolve("users.properties"), "default.team=web\ndefault.tier=STANDARD\n");
        return Files.writeString(dir.resolve(pool + ".yaml"), "pool: " + pool + "\nsource: trace:" + SLICE + "\n"
                + "actuator: kubernetes\nkubernetes.kubeconfig: kubeconfig\nkubernetes.context: mock\n"
                + "kubernetes.namespace-prefix: t-\nrules: rules\npool-kind: vm-fleet\nmodel: champion\n"
                + "users: users.properties\nmode: " + mode + "\nacceleration: 3000\nshard-size: 10\nmax-cycles: 3\n");
    }

    LoopState run(String pool, String mode, PrometheusRegistry metrics) throws Exception {
        PoolFile p = PoolFile.read(poolFile(pool, mode));
        FsConfig config = FsConfig.load(Map.of("FORESIGHT_HOME", dir.toString()));
        Models models = Models.forLoop(config, null, false, new PrintStream(OutputStream.nullOutputStream()));
        ControlWorkerConfig worker = Wiring.controlWorker(config, models).withMetrics(metrics);
        try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
            ControlWorker.register(env.getWorkerFactory(), worker);
            env.start();
            ControlLoopParams params = LoopCommand.params(p, p.dataSource(), false);
            ControlLoopWorkflow loop = env.getWorkflowClient().newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.CONTROL).setWorkflowId(ControlLoopWorkflow.workflowId(pool)).build());
            return loop.run(params);
        }
    }

    List<ResourceQuota> quotas() {
        return client.resourceQuotas().inAnyNamespace().list().getItems();
    }

    @Test
    void aLoopAppliesItsDecisionsAsQuotasCarryingTheIdempotencyKey() throws Exception {
        LoopState s = run("k8s", "enforce", new PrometheusRegistry());
        assertEquals(3, s.cycle(), LoopCommand.describe(s));
        assertEquals(0, s.failedCycles(), LoopCommand.describe(s));
        assertEquals("", s.lastHold());
        List<ResourceQuota> quotas = quotas();
        assertEquals(20, quotas.size(), "one quota per VM of the slice");
        // the last cycle's decisions, per user: what the quota must hold (every user of a shard is written, holds too)
        Map<String, Double> cpu = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.walk(dir.resolve(".foresight"))) {
            for (Path f : files.filter(f -> f.toString().contains("/pools/k8s/cycles/00000002/decisions-")).toList()) {
                for (JsonNode row : json.readTree(f.toFile()).path("rows")) {
                    String outcome = row.path("outcome").asText();
                    boolean applies = outcome.equals("APPROVED") || outcome.equals("ADJUSTED");
                    cpu.put(row.path("user").asText(), row.path(applies ? "allowed" : "current").get(0).asDouble());
                }
            }
        }
        assertEquals(20, cpu.size());
        for (ResourceQuota q : quotas) {
            String ns = q.getMetadata().getNamespace();
            assertTrue(ns.startsWith("t-"), ns);
            String key = q.getMetadata().getAnnotations().get("foresight.io/idempotency-key");
            assertTrue(key.matches("k8s/2/[01]"), "applied by the last cycle's shard: " + key);
            String user = q.getMetadata().getLabels().get("foresight.io/user");
            assertEquals(Math.round(cpu.get(user) * 1000), q.getSpec().getHard().get("requests.cpu").getNumericalAmount()
                    .multiply(java.math.BigDecimal.valueOf(1000)).longValue(), user);
        }
    }

    @Test
    void aRefusingApiServerIsASafeHoldInStatusAndMetricsAndADryRunShowsTheDiff() throws Exception {
        run("k8s", "enforce", new PrometheusRegistry());
        Map<String, String> before = versions();
        // the worker's account may no longer write one user's quota
        String ns = before.keySet().iterator().next();
        server.expect().put().withPath("/api/v1/namespaces/" + ns + "/resourcequotas/foresight")
                .andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                        + "\"message\":\"resourcequotas is forbidden\",\"code\":403}").always();
        PrometheusRegistry metrics = new PrometheusRegistry();
        LoopState s = run("k8s-b", "enforce", metrics);
        assertEquals(3, s.cycle(), LoopCommand.describe(s));
        assertEquals(0, s.failedCycles(), "a refusal holds, it does not fail the cycle: " + LoopCommand.describe(s));
        assertTrue(s.lastHold().contains("the Kubernetes API refused user") && s.lastHold().contains("(403 Forbidden")
                && s.lastHold().contains("Fix: grant the worker's Kubernetes account"), s.lastHold());
        assertTrue(LoopCommand.describe(s).contains("  held       cycle 2: changes held"), LoopCommand.describe(s));
        assertFalse(s.lastHold().contains("\n"));
        String scraped = scrape(metrics);
        assertTrue(scraped.contains("foresight_actuator_refusals_total{pool=\"k8s-b\",status=\"403\"} 3.0"), scraped);

        // a new cluster: a dry-run shows every quota it would create, and creates none
        quotas().forEach(q -> client.resource(q).delete());
        assertTrue(quotas().isEmpty());
        LoopState dry = run("k8s-c", "dry-run", new PrometheusRegistry());
        assertTrue(quotas().isEmpty(), "a dry-run writes nothing to the cluster");
        assertTrue(dry.lastDecisionsSummary().contains("; dry-run: the actuator would change 20 user(s), e.g. "),
                dry.lastDecisionsSummary());
        assertTrue(dry.lastDecisionsSummary().contains("/resourcequota/foresight): create; limits.cpu unset -> "),
                dry.lastDecisionsSummary());
    }

    /** Quota resource versions by namespace. */
    Map<String, String> versions() {
        Map<String, String> out = new java.util.TreeMap<>();
        quotas().forEach(q -> out.put(q.getMetadata().getNamespace(), q.getMetadata().getResourceVersion()));
        return out;
    }

    static String scrape(PrometheusRegistry r) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out, r.scrape());
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
