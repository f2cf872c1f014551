package io.foresight.rules;

import java.util.Locale;

/**
 * What a resource pool runs, which decides the policy thresholds that fit it. A VM fleet hosts
 * long-running services whose demand moves by a few cores an hour: tight tiers, step limits and a low
 * approval threshold catch forecast mistakes. A batch cluster runs jobs: a user's demand jumps from
 * zero to hundreds of cores when jobs start and falls back when they end, so tiers go to zero and to
 * thousands of cores, a scale-up may go straight to the forecast, and approvals are sized in tens of
 * dollars an hour. The rules (DRL) are the same; only the thresholds file differs.
 */
public enum PoolKind {
    VM_FLEET("thresholds.json"),
    BATCH("thresholds-batch.json");

    private final String thresholdsFile;

    PoolKind(String thresholdsFile) {
        this.thresholdsFile = thresholdsFile;
    }

    /** The thresholds file of this kind, in a rules directory and in the bundle. */
    public String thresholdsFile() {
        return thresholdsFile;
    }

    /** Lower-case name with a dash, as written in configuration: {@code vm-fleet}, {@code batch}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a configured kind: {@code vm-fleet} (also {@code vm}, {@code vms}, {@code VM_FLEET}) or {@code batch}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static PoolKind parse(String s) {
        String k = s == null ? "" : s.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (k) {
            case "vm-fleet", "vm", "vms", "vm-pool" -> VM_FLEET;
            case "batch", "batch-cluster", "jobs" -> BATCH;
            default -> throw new IllegalArgumentException("pool kind '" + s + "' is unknown; use vm-fleet (long-running VMs) "
                    + "or batch (a job cluster)");
        };
    }
}
