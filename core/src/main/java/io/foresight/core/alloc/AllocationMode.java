package io.foresight.core.alloc;

/**
 * Whether the loop applies its decisions ({@code ENFORCE}) or only records them ({@code DRY_RUN},
 * forecast-only). The one mode type: the control-loop workflow's parameters and {@code setMode} signal,
 * the decisions file and the audit trail all carry it, by these names (recorded histories hold them).
 */
public enum AllocationMode {
    ENFORCE,
    DRY_RUN;

    public static AllocationMode parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "enforce" -> ENFORCE;
            case "dry-run", "dryrun", "forecast-only" -> DRY_RUN;
            default -> throw new IllegalArgumentException("unknown mode '" + s + "': use enforce or dry-run");
        };
    }
}
