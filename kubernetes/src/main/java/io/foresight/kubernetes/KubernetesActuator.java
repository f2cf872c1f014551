package io.foresight.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.foresight.core.actuate.ActuationException;
import io.foresight.core.actuate.ActuationRefused;
import io.foresight.core.actuate.Actuator;
import io.foresight.core.actuate.ApplyRequest;
import io.foresight.core.actuate.ApplyResult;
import io.foresight.core.actuate.UserAllocation;
import io.foresight.core.model.ResourceVector;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies allocations to Kubernetes: per user, the namespace's ResourceQuota ({@code requests.cpu},
 * {@code requests.memory}, {@code limits.cpu}, {@code limits.memory}) and the resource requests and
 * limits of the user's labelled Deployments (the allocation split evenly over their container
 * replicas). Kubernetes has no quota for network or disk bandwidth, so those and the spot flag are
 * recorded as quota annotations for the scheduler extensions that enforce them.
 *
 * <p>Idempotent: every quota carries the idempotency key that last set it and the allocation it
 * replaced; a request whose key is already on every user's quota changes nothing. All-or-nothing:
 * if any Kubernetes call fails, users already changed in this request (and the failing one) are
 * restored to their previous quotas and resources before {@link ActuationException} is thrown; when the API
 * refused for a reason a retry does not cure (403, 404, 409, 422) it is an {@link ActuationRefused} naming the fix,
 * which the loop turns into a safe hold for the cycle.
 *
 * <p>Users live in namespaces named by {@link KubernetesActuatorConfig#namespaceOf}, whatever their pool;
 * a resource with no known value (NaN) is left out of the quota and the containers (not managed). Kubernetes
 * acts now: {@link ApplyRequest#at()} is not used.
 */
public final class KubernetesActuator implements Actuator {
    static final String KEY = "foresight.io/idempotency-key";
    static final String PREVIOUS = "foresight.io/previous";
    static final String NETWORK = "foresight.io/network-mbps";
    static final String DISK = "foresight.io/disk-mbps";
    static final String SPOT = "foresight.io/spot";
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesActuator.class);

    private final KubernetesClient client;
    private final KubernetesActuatorConfig config;

    public KubernetesActuator(KubernetesClient client, KubernetesActuatorConfig config) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * An actuator on the cluster a kubeconfig names.
     *
     * @param kubeconfig the kubeconfig file, null for $KUBECONFIG or ~/.kube/config
     * @param context    a context of it, null for its current context
     * @throws IllegalArgumentException naming the file or context and the fix
     */
    public static KubernetesActuator connect(java.nio.file.Path kubeconfig, String context, KubernetesActuatorConfig config) {
        java.nio.file.Path file = kubeconfig;
        if (file == null) {
            String env = System.getenv("KUBECONFIG");
            file = env != null && !env.isBlank() ? java.nio.file.Path.of(env.split(java.io.File.pathSeparator)[0])
                    : java.nio.file.Path.of(System.getProperty("user.home"), ".kube", "config");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("kubeconfig " + file + " does not exist. Fix: set kubernetes.kubeconfig in "
                    + "the pool file (or KUBECONFIG for the worker) to the file of the cluster to act on");
        }
        io.fabric8.kubernetes.client.Config c;
        try {
            c = io.fabric8.kubernetes.client.Config.fromKubeconfig(context, java.nio.file.Files.readString(file), file.toString());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("kubeconfig " + file + (context == null ? "" : " context " + context)
                    + " cannot be used (" + e.getMessage() + "). Fix: check the file and that kubernetes.context names one of "
                    + "its contexts", e);
        }
        return new KubernetesActuator(new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(c).build(), config);
    }

    @Override
    public ApplyResult apply(ApplyRequest request) {
        Objects.requireNonNull(request, "request");
        // replay: every user already carries this key -> report what was done, change nothing
        List<UserAllocation> replayPrev = new ArrayList<>();
        boolean all = !request.allocations().isEmpty();
        for (UserAllocation a : request.allocations()) {
            ResourceQuota q;
            try {
                q = quota(a.user());
            } catch (KubernetesClientException e) {
                // refused before anything was written (e.g. 403: the worker may not read quotas); a retry cures only 5xx
                String fix = fixFor(e.getCode(), a.user());
                if (fix == null) {
                    throw e;
                }
                throw new ActuationRefused("applying " + request.idempotencyKey() + ": the Kubernetes API refused reading user "
                        + a.user() + "'s quota (" + e.getCode() + " " + reason(e) + "); nothing was changed", e, true, e.getCode(), fix);
            }
            if (q == null || !request.idempotencyKey().equals(annotation(q, KEY))) {
                all = false;
                break;
            }
            replayPrev.add(parsePrevious(a.user(), annotation(q, PREVIOUS)));
        }
        if (all) {
            return new ApplyResult(request.pool(), request.idempotencyKey(), replayPrev, request.allocations(), true);
        }
        List<UserAllocation> previous = new ArrayList<>();
        List<UserAllocation> done = new ArrayList<>();
        Map<String, Boolean> existed = new HashMap<>();
        for (UserAllocation a : request.allocations()) {
            ResourceQuota q = null;
            try {
                q = quota(a.user());
                if (q != null && request.idempotencyKey().equals(annotation(q, KEY))) {
                    // this user was done by an earlier, interrupted attempt of the same request
                    previous.add(parsePrevious(a.user(), annotation(q, PREVIOUS)));
                    done.add(a);
                    continue;
                }
                UserAllocation prev = q == null ? new UserAllocation(a.user(), ResourceVector.ZERO, false) : fromQuota(a.user(), q);
                existed.put(a.user(), q != null);
                try {
                    writeQuota(a, request.idempotencyKey(), prev);
                } catch (KubernetesClientException e) {
                    // the API refused the quota: this user is unchanged, only the earlier ones need restoring
                    throw new Refused(e);
                }
                previous.add(prev);
                patchDeployments(a.user(), a.allocation(), false);
                done.add(a);
            } catch (Refused | KubernetesClientException | IllegalArgumentException x) {
                RuntimeException e = x instanceof Refused r ? r.cause : x;
                boolean ok = rollBack(previous, existed);
                String fix = e instanceof KubernetesClientException k ? fixFor(k.getCode(), a.user()) : null;
                if (fix != null) {
                    throw new ActuationRefused("applying " + request.idempotencyKey() + ": the Kubernetes API refused user "
                            + a.user() + " (" + ((KubernetesClientException) e).getCode() + " " + reason(e) + ")"
                            + (ok ? "; the " + previous.size() + " user(s) touched were restored" : "; restoring failed too"),
                            e, ok, ((KubernetesClientException) e).getCode(), fix);
                }
                throw new ActuationException("applying " + request.idempotencyKey() + " failed at user " + a.user() + ": "
                        + e.getMessage() + (ok ? "; the " + previous.size() + " user(s) touched were restored"
                        : "; restoring failed too, check the quotas of " + previous.stream().map(UserAllocation::user).toList()),
                        e, ok);
            }
        }
        return new ApplyResult(request.pool(), request.idempotencyKey(), previous, done, false);
    }

    /**
     * The fix for a status a retry does not cure, or null for one it may (5xx, timeouts: the activity retries).
     */
    String fixFor(int code, String user) {
        String ns = config.namespaceOf(user);
        return switch (code) {
            case 403 -> "grant the worker's Kubernetes account get, create and update on resourcequotas and get, list and "
                    + "update on deployments in namespace " + ns + " (or pick another kubernetes.context)";
            case 404 -> "create namespace " + ns + " (the actuator does not create namespaces) or correct kubernetes.namespace-prefix";
            case 409 -> "another writer changed resourcequota " + ns + "/" + config.quotaName() + " meanwhile; the next cycle "
                    + "applies again (make sure no other controller owns that quota)";
            case 400, 422 -> "the API rejected a value of resourcequota " + ns + "/" + config.quotaName()
                    + " (e.g. an invalid quantity or limits below requests); check the pool's allocation bounds and limit factors";
            default -> null;
        };
    }

    private static String reason(RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getReason() != null) {
            return k.getStatus().getReason() + (k.getStatus().getMessage() == null ? "" : ": " + k.getStatus().getMessage());
        }
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * The quota each user would get, against the one it has: the hard limits and the managed annotations that
     * differ, in Kubernetes' own quantities (what {@code kubectl diff} would show for the quota).
     */
    @Override
    public List<Change> diff(ApplyRequest request) {
        List<Change> out = new ArrayList<>();
        for (UserAllocation a : request.allocations()) {
            ResourceQuota q = quota(a.user());
            Map<String, Quantity> want = hard(a.allocation());
            Map<String, Quantity> have = q == null || q.getSpec() == null || q.getSpec().getHard() == null ? Map.of()
                    : q.getSpec().getHard();
            StringBuilder what = new StringBuilder(q == null ? "create; " : "");
            for (Map.Entry<String, Quantity> e : new java.util.TreeMap<>(want).entrySet()) {
                Quantity old = have.get(e.getKey());
                if (old == null || old.getNumericalAmount().compareTo(e.getValue().getNumericalAmount()) != 0) {
                    what.append(e.getKey()).append(' ').append(old == null ? "unset" : old.toString()).append(" -> ")
                            .append(e.getValue()).append(", ");
                }
            }
            Map<String, String> ann = annotations(a);
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(ann).entrySet()) {
                String old = q == null ? null : annotation(q, e.getKey());
                if (!e.getValue().equals(old)) {
                    what.append(e.getKey()).append(' ').append(old == null ? "unset" : old).append(" -> ").append(e.getValue())
                            .append(", ");
                }
            }
            if (what.length() > (q == null ? "create; ".length() : 0)) {
                what.setLength(what.length() - 2);
                out.add(new Change(a.user(), config.namespaceOf(a.user()) + "/resourcequota/" + config.quotaName(), what.toString()));
            }
        }
        return out;
    }

    @Override
    public Map<String, UserAllocation> current(String pool, Collection<String> users) {
        Map<String, UserAllocation> out = new LinkedHashMap<>();
        for (String u : users) {
            ResourceQuota q = quota(u);
            if (q != null) {
                out.put(u, fromQuota(u, q));
            }
        }
        return out;
    }

    @Override
    public void compensate(ApplyResult result) {
        Map<String, Boolean> existed = new HashMap<>();
        for (UserAllocation p : result.previous()) {
            existed.put(p.user(), !isZero(p.allocation()));
        }
        if (!rollBack(result.previous(), existed)) {
            throw new ActuationException("compensating " + result.idempotencyKey() + " failed; see the log", null, false);
        }
    }

    private boolean rollBack(List<UserAllocation> previous, Map<String, Boolean> existed) {
        boolean ok = true;
        for (int i = previous.size() - 1; i >= 0; i--) {
            UserAllocation p = previous.get(i);
            try {
                if (!existed.getOrDefault(p.user(), true)) {
                    client.resourceQuotas().inNamespace(config.namespaceOf(p.user())).withName(config.quotaName()).delete();
                    patchDeployments(p.user(), p.allocation(), true);
                } else {
                    write(p, "compensation", null);
                }
            } catch (KubernetesClientException e) {
                ok = false;
                LOG.error("could not restore user {} to {}: {}", p.user(), p.allocation(), e.getMessage());
            }
        }
        return ok;
    }

    private ResourceQuota quota(String user) {
        return client.resourceQuotas().inNamespace(config.namespaceOf(user)).withName(config.quotaName()).get();
    }

    /** A quota write the API refused (the user is unchanged). */
    private static final class Refused extends RuntimeException {
        final KubernetesClientException cause;

        Refused(KubernetesClientException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }

    private void write(UserAllocation a, String key, UserAllocation previous) {
        writeQuota(a, key, previous);
        patchDeployments(a.user(), a.allocation(), false);
    }

    /** The quota's managed annotations for an allocation: network, disk (when known) and the market. */
    private static Map<String, String> annotations(UserAllocation a) {
        ResourceVector v = a.allocation();
        Map<String, String> ann = new HashMap<>();
        if (!Double.isNaN(v.network())) {
            ann.put(NETWORK, fmt(v.network()));
        }
        if (!Double.isNaN(v.disk())) {
            ann.put(DISK, fmt(v.disk()));
        }
        ann.put(SPOT, String.valueOf(a.spot()));
        return ann;
    }

    /** The quota's hard limits for an allocation (resources with no known value are left out). */
    private Map<String, Quantity> hard(ResourceVector v) {
        Map<String, Quantity> hard = new HashMap<>();
        if (!Double.isNaN(v.cpu())) {
            hard.put("requests.cpu", cpu(v.cpu()));
            hard.put("limits.cpu", cpu(v.cpu() * config.cpuLimitFactor()));
        }
        if (!Double.isNaN(v.memory())) {
            hard.put("requests.memory", mem(v.memory()));
            hard.put("limits.memory", mem(v.memory() * config.memoryLimitFactor()));
        }
        return hard;
    }

    private void writeQuota(UserAllocation a, String key, UserAllocation previous) {
        String ns = config.namespaceOf(a.user());
        Map<String, String> ann = annotations(a);
        ann.put(KEY, key);
        if (previous != null) {
            ann.put(PREVIOUS, formatPrevious(previous));
        }
        Map<String, Quantity> hard = hard(a.allocation());
        ResourceQuota q = new ResourceQuotaBuilder()
                .withNewMetadata().withName(config.quotaName()).withNamespace(ns).withAnnotations(ann)
                .addToLabels(config.userLabel(), labelValue(a.user())).endMetadata()
                .withNewSpec().withHard(hard).endSpec().build();
        client.resource(q).inNamespace(ns).createOr(NonDeletingOperation::update);
    }

    /** Splits the allocation evenly over the container replicas of the user's Deployments. */
    private void patchDeployments(String user, ResourceVector v, boolean clear) {
        String ns = config.namespaceOf(user);
        List<Deployment> ds = client.apps().deployments().inNamespace(ns).withLabel(config.userLabel(), labelValue(user)).list()
                .getItems();
        int slots = 0;
        for (Deployment d : ds) {
            int replicas = d.getSpec().getReplicas() == null ? 1 : Math.max(1, d.getSpec().getReplicas());
            slots += replicas * d.getSpec().getTemplate().getSpec().getContainers().size();
        }
        if (slots == 0) {
            return;
        }
        double cpuEach = v.cpu() / slots;
        double memEach = v.memory() / slots;
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
        if (!clear && !Double.isNaN(cpuEach)) {
            b.addToRequests("cpu", cpu(cpuEach)).addToLimits("cpu", cpu(cpuEach * config.cpuLimitFactor()));
        }
        if (!clear && !Double.isNaN(memEach)) {
            b.addToRequests("memory", mem(memEach)).addToLimits("memory", mem(memEach * config.memoryLimitFactor()));
        }
        ResourceRequirements rr = b.build();
        for (Deployment d : ds) {
            client.apps().deployments().inNamespace(ns).withName(d.getMetadata().getName()).edit(x -> {
                for (Container c : x.getSpec().getTemplate().getSpec().getContainers()) {
                    c.setResources(rr);
                }
                return x;
            });
        }
    }

    UserAllocation fromQuota(String user, ResourceQuota q) {
        Map<String, Quantity> hard = q.getSpec() == null || q.getSpec().getHard() == null ? Map.of() : q.getSpec().getHard();
        // a resource the quota does not hold is not managed: unknown, like the NaN it was applied as
        double cpu = hard.containsKey("requests.cpu") ? hard.get("requests.cpu").getNumericalAmount().doubleValue() : Double.NaN;
        double mem = hard.containsKey("requests.memory")
                ? hard.get("requests.memory").getNumericalAmount().divide(BigDecimal.valueOf(1L << 30), 9, RoundingMode.HALF_UP)
                .doubleValue() : Double.NaN;
        double net = parse(annotation(q, NETWORK));
        double disk = parse(annotation(q, DISK));
        return new UserAllocation(user, ResourceVector.of(cpu, mem, net, disk), Boolean.parseBoolean(annotation(q, SPOT)));
    }

    private static boolean isZero(ResourceVector v) {
        return v.equals(ResourceVector.ZERO);
    }

    private static String annotation(ResourceQuota q, String k) {
        var a = q.getMetadata().getAnnotations();
        return a == null ? null : a.get(k);
    }

    private static double parse(String s) {
        return s == null ? Double.NaN : Double.parseDouble(s);
    }

    static String formatPrevious(UserAllocation p) {
        ResourceVector v = p.allocation();
        return String.format(Locale.ROOT, "%s,%s,%s,%s,%s", fmt(v.cpu()), fmt(v.memory()), fmt(v.network()), fmt(v.disk()), p.spot());
    }

    static UserAllocation parsePrevious(String user, String s) {
        if (s == null) {
            return new UserAllocation(user, ResourceVector.ZERO, false);
        }
        String[] f = s.split(",");
        return new UserAllocation(user, ResourceVector.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]),
                Double.parseDouble(f[2]), Double.parseDouble(f[3])), Boolean.parseBoolean(f[4]));
    }

    private static String labelValue(String user) {
        return user.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /** CPU in millicores (Kubernetes' finest CPU unit). */
    static Quantity cpu(double cores) {
        return new Quantity(Math.round(cores * 1000) + "m");
    }

    /** Memory in MiB. */
    static Quantity mem(double gib) {
        return new Quantity(Math.round(gib * 1024) + "Mi");
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "NaN" : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
