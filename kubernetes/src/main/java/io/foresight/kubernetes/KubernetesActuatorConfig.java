package io.foresight.kubernetes;

import java.util.Objects;

/**
 * How allocations map onto Kubernetes: user {@code u} lives in namespace {@code namespacePrefix + u}
 * (sanitised to a DNS label), owns the ResourceQuota {@code quotaName} there, and its workloads are
 * the Deployments labelled {@code userLabel=u}. Limits are requests times the limit factors.
 */
public record KubernetesActuatorConfig(String namespacePrefix, String quotaName, String userLabel, double cpuLimitFactor,
                                       double memoryLimitFactor) {
    public KubernetesActuatorConfig {
        Objects.requireNonNull(namespacePrefix, "namespacePrefix");
        Objects.requireNonNull(quotaName, "quotaName");
        Objects.requireNonNull(userLabel, "userLabel");
        if (!(cpuLimitFactor >= 1) || !(memoryLimitFactor >= 1)) {
            throw new IllegalArgumentException("limit factors must be >= 1 (limits are never below requests)");
        }
    }

    public static KubernetesActuatorConfig defaults() {
        return new KubernetesActuatorConfig("fs-", "foresight", "foresight.io/user", 2.0, 1.0);
    }

    /** Reads FORESIGHT_K8S_NAMESPACE_PREFIX, _QUOTA_NAME, _USER_LABEL, _CPU_LIMIT_FACTOR, _MEMORY_LIMIT_FACTOR (defaults above). */
    public static KubernetesActuatorConfig fromEnv(java.util.Map<String, String> env) {
        KubernetesActuatorConfig d = defaults();
        return new KubernetesActuatorConfig(env.getOrDefault("FORESIGHT_K8S_NAMESPACE_PREFIX", d.namespacePrefix()),
                env.getOrDefault("FORESIGHT_K8S_QUOTA_NAME", d.quotaName()),
                env.getOrDefault("FORESIGHT_K8S_USER_LABEL", d.userLabel()),
                Double.parseDouble(env.getOrDefault("FORESIGHT_K8S_CPU_LIMIT_FACTOR", String.valueOf(d.cpuLimitFactor()))),
                Double.parseDouble(env.getOrDefault("FORESIGHT_K8S_MEMORY_LIMIT_FACTOR", String.valueOf(d.memoryLimitFactor()))));
    }

    public KubernetesActuatorConfig withNamespacePrefix(String prefix) {
        return new KubernetesActuatorConfig(prefix, quotaName, userLabel, cpuLimitFactor, memoryLimitFactor);
    }

    /** The namespace of a user: prefix + user, lower-cased, other characters replaced by '-', at most 63 chars. */
    public String namespaceOf(String user) {
        String s = (namespacePrefix + user).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        s = s.replaceAll("^-+", "").replaceAll("-+$", "");
        if (s.isEmpty() || s.length() > 63) {
            throw new IllegalArgumentException("user '" + user + "' gives namespace '" + s
                    + "', not a valid DNS label (1-63 chars); use a shorter prefix or user id");
        }
        return s;
    }
}
