package io.foresight.core.alloc;

/** Whether decisions are applied ({@code ENFORCE}) or only recorded ({@code DRY_RUN}, forecast-only). */
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
