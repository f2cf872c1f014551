package io.foresight.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.foresight.core.actuate.ActuationException;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.ApplyResult;
import io.foresight.core.actuate.UserAllocation;
import io.foresight.core.model.ResourceVector;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class KubernetesActuatorTest {
    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesActuator actuator;
    final KubernetesActuatorConfig cfg = KubernetesActuatorConfig.defaults();

    @BeforeEach
    void setUp() {
        // no client-side retries: an injected API error must surface at once
        client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build();
        actuator = new KubernetesActuator(client, cfg);
    }

    void deployment(String user, String name, int replicas, int containers) {
        DeploymentBuilder b = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(cfg.namespaceOf(user))
                .addToLabels(cfg.userLabel(), user).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewTemplate().withNewSpec().endSpec().endTemplate().endSpec();
        Deployment d = b.build();
        for (int i = 0; i < containers; i++) {
            d.getSpec().getTemplate().getSpec().getContainers().add(new io.fabric8.kubernetes.api.model.ContainerBuilder()
                    .withName("c" + i).withImage("busybox").build());
        }
        client.apps().deployments().inNamespace(cfg.namespaceOf(user)).resource(d).create();
    }

    static UserAllocation ua(String u, double cpu, double mem) {
        return new UserAllocation(u, ResourceVector.of(cpu, mem, 100, 50), false);
    }

    ResourceQuota quota(String user) {
        return client.resourceQuotas().inNamespace(cfg.namespaceOf(user)).withName(cfg.quotaName()).get();
    }

    @Test
    void writesQuotaAndSplitsRequestsOverDeployments() {
        deployment("alice", "web", 2, 1);
        deployment("alice", "worker", 1, 2);
        ApplyResult r = actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("alice", 4, 8))));
        assertFalse(r.replayed());
        ResourceQuota q = quota("alice");
        assertEquals(new Quantity("4000m"), q.getSpec().getHard().get("requests.cpu"));
        assertEquals(new Quantity("8192Mi"), q.getSpec().getHard().get("requests.memory"));
        assertEquals(new Quantity("8000m"), q.getSpec().getHard().get("limits.cpu"));
        assertEquals("p/1", q.getMetadata().getAnnotations().get(KubernetesActuator.KEY));
        Deployment web = client.apps().deployments().inNamespace("fs-alice").withName("web").get();
        // 2 replicas x 1 container + 1 replica x 2 containers = 4 slots -> 1 core, 2 GiB each
        assertEquals(new Quantity("1000m"), web.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().get("cpu"));
        assertEquals(new Quantity("2048Mi"), web.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().get("memory"));
        UserAllocation cur = actuator.current("p", "alice").orElseThrow();
        assertEquals(ResourceVector.of(4, 8, 100, 50), cur.allocation());
    }

    @Test
    void sameKeyTwiceChangesNothing() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 2, 4))));
        String rv = quota("a").getMetadata().getResourceVersion();
        ApplyResult again = actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 2, 4))));
        assertTrue(again.replayed());
        assertEquals(rv, quota("a").getMetadata().getResourceVersion(), "no write on replay");
        actuator.apply(new ApplyRequest("p", 2, "p/2", 0, List.of(ua("a", 3, 2))));
        assertEquals(3, actuator.current("p", "a").orElseThrow().allocation().cpu(), 1e-9);
    }

    @Test
    void apiErrorMidwayRestoresUsersAlreadyChanged() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 1, 2), ua("c", 1, 2))));
        deployment("a", "job", 1, 1);
        actuator.apply(new ApplyRequest("p", 2, "p/2", 0, List.of(ua("a", 1, 2))));
        // the API server refuses the write of user c's quota
        server.expect().put().withPath("/api/v1/namespaces/fs-c/resourcequotas/foresight").andReturn(500, "etcd timeout").always();
        server.expect().post().withPath("/api/v1/namespaces/fs-c/resourcequotas").andReturn(500, "etcd timeout").always();
        ActuationException e = assertThrows(ActuationException.class, () -> actuator.apply(new ApplyRequest("p", 3, "p/3", 0,
                List.of(ua("a", 5, 10), ua("b", 6, 12), ua("c", 7, 14)))));
        assertTrue(e.getMessage().contains("failed at user c"), e.getMessage());
        assertTrue(e.compensated());
        assertEquals(ResourceVector.of(1, 2, 100, 50), actuator.current("p", "a").orElseThrow().allocation());
        assertEquals(ResourceVector.of(1, 2, 100, 50), actuator.current("p", "b").orElseThrow().allocation());
        Deployment job = client.apps().deployments().inNamespace("fs-a").withName("job").get();
        assertEquals(new Quantity("1000m"), job.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().get("cpu"),
                "workload requests restored too");
    }

    @Test
    void compensateUndoesAnEarlierApplyAndRemovesNewQuotas() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2))));
        ApplyResult r = actuator.apply(new ApplyRequest("p", 2, "p/2", 0, List.of(ua("a", 2, 4), ua("newbie", 1, 1))));
        actuator.compensate(r);
        assertEquals(ResourceVector.of(1, 2, 100, 50), actuator.current("p", "a").orElseThrow().allocation());
        assertNull(quota("newbie"), "a quota that did not exist before is removed");
    }

    @Test
    void aResourceWithNoKnownValueIsLeftUnmanaged() {
        deployment("d", "svc", 1, 1);
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0,
                List.of(new UserAllocation("d", ResourceVector.of(2, Double.NaN, 100, Double.NaN), false))));
        ResourceQuota q = quota("d");
        assertEquals(new Quantity("2000m"), q.getSpec().getHard().get("requests.cpu"));
        assertFalse(q.getSpec().getHard().containsKey("requests.memory"), "no memory quota for an unknown value");
        Deployment svc = client.apps().deployments().inNamespace("fs-d").withName("svc").get();
        assertFalse(svc.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests().containsKey("memory"));
        ResourceVector back = actuator.current("p", "d").orElseThrow().allocation();
        assertEquals(2, back.cpu(), 1e-9);
        assertTrue(Double.isNaN(back.memory()) && Double.isNaN(back.disk()), "read back as unknown: " + back);
        assertTrue(actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("d", 9, 9)))).replayed());
    }

    @Test
    void currentReadsManyUsersAndLeavesOutThoseNeverSet() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 2, 4))));
        var cur = actuator.current("p", List.of("a", "b", "nobody"));
        assertEquals(List.of("a", "b"), List.copyOf(cur.keySet()));
        assertEquals(2, cur.get("b").allocation().cpu(), 1e-9);
    }

    @Test
    void namespacesAreValidDnsLabels() {
        assertEquals("fs-user-42-x", cfg.namespaceOf("User_42.x"));
        assertThrows(IllegalArgumentException.class, () -> cfg.namespaceOf("x".repeat(80)));
    }

    @Test
    void refusalsARetryDoesNotCureNameTheFixAndLeaveEveryUserAsItWas() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 1, 2))));
        for (int code : new int[] {403, 409, 422, 404}) {
            server.expect().put().withPath("/api/v1/namespaces/fs-b/resourcequotas/foresight").andReturn(code, "refused").once();
            io.foresight.core.actuate.ActuationRefused e = assertThrows(io.foresight.core.actuate.ActuationRefused.class,
                    () -> actuator.apply(new ApplyRequest("p", 2, "p/2-" + code, 0, List.of(ua("a", 3, 4), ua("b", 3, 4)))));
            assertEquals(code, e.status());
            assertTrue(e.compensated());
            assertTrue(e.getMessage().contains("refused user b (" + code), e.getMessage());
            assertTrue(e.fix().contains("fs-b"), e.fix());
            assertEquals(1, e.oneLine().lines().count());
            assertEquals(ResourceVector.of(1, 2, 100, 50), actuator.current("p", "a").orElseThrow().allocation(), "a restored");
        }
        server.expect().put().withPath("/api/v1/namespaces/fs-b/resourcequotas/foresight").andReturn(503, "busy").once();
        ActuationException transientError = assertThrows(ActuationException.class,
                () -> actuator.apply(new ApplyRequest("p", 3, "p/3", 0, List.of(ua("a", 3, 4), ua("b", 3, 4)))));
        assertFalse(transientError instanceof io.foresight.core.actuate.ActuationRefused, "a 503 is retried, not held");
    }

    @Test
    void aDryRunDiffShowsTheQuotaQuantitiesThatWouldChangeAndWritesNothing() {
        actuator.apply(new ApplyRequest("p", 1, "p/1", 0, List.of(ua("a", 1, 2), ua("b", 2, 4))));
        String rv = quota("a").getMetadata().getResourceVersion();
        List<io.foresight.core.actuate.Actuator.Change> diff = actuator.diff(new ApplyRequest("p", 2, "p/2", 0,
                List.of(ua("a", 1.5, 2), ua("b", 2, 4), ua("c", 1, 1))));
        assertEquals(2, diff.size(), "b is unchanged: " + diff);
        assertEquals("a (fs-a/resourcequota/foresight): limits.cpu 2000m -> 3000m, requests.cpu 1000m -> 1500m",
                diff.get(0).toString());
        assertTrue(diff.get(1).what().startsWith("create; limits.cpu unset -> 2000m"), diff.get(1).what());
        assertEquals(rv, quota("a").getMetadata().getResourceVersion(), "a dry-run writes nothing");
        assertNull(quota("c"));
    }
}
