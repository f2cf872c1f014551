package io.foresight.workflows.controlloop;

/**
 * What a pool file sets for its loop besides the source and the timing: the rules, the pool kind, the model
 * alias, the users file and the actuator. It travels in the loop's input and in every shard task, so whichever
 * worker runs an activity builds the same collaborators for the pool (workers on several hosts need the same
 * paths, as they need the trace paths of a replay). A null field means the worker's own configuration.
 *
 * @param rulesDir        folder of .drl files and thresholds (absolute), null = the worker's rules
 * @param poolKind        vm-fleet or batch (which thresholds file), null = vm-fleet
 * @param model           registry alias the pool's forecaster follows (e.g. champion), null = the worker's
 * @param usersFile       users/teams/tiers/spot file (absolute), null = the worker's users.file
 * @param actuator        simulated or kubernetes, null = the worker's (simulated)
 * @param kubeconfig      kubernetes: kubeconfig file (absolute), null = $KUBECONFIG or ~/.kube/config
 * @param kubeContext     kubernetes: context in the kubeconfig, null = its current context
 * @param namespacePrefix kubernetes: user u lives in namespace prefix+u, null = fs-
 */
public record PoolSettings(String rulesDir, String poolKind, String model, String usersFile, String actuator,
                           String kubeconfig, String kubeContext, String namespacePrefix) {
    /** Everything from the worker's configuration (a loop started before pool files carried settings). */
    public static final PoolSettings WORKER = new PoolSettings(null, null, null, null, null, null, null, null);

    public PoolSettings {
        if (actuator != null && !actuator.equals("simulated") && !actuator.equals("kubernetes")) {
            throw new IllegalArgumentException("actuator '" + actuator + "' is unknown; use simulated or kubernetes");
        }
        if (!"kubernetes".equals(actuator) && (kubeconfig != null || kubeContext != null || namespacePrefix != null)) {
            throw new IllegalArgumentException("kubeconfig, context and namespace prefix only apply to actuator kubernetes");
        }
    }

    /** True when nothing differs from the worker's own configuration. */
    public boolean allFromWorker() {
        return equals(WORKER);
    }

    public boolean kubernetes() {
        return "kubernetes".equals(actuator);
    }
}
