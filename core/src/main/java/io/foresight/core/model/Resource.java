package io.foresight.core.model;

/**
 * The resources Foresight allocates. Units are fixed so every module agrees on them:
 * CPU in cores, memory in GiB, network and disk in MB/s (receive+transmit, read+write).
 */
public enum Resource {
    CPU("cores"),
    MEMORY("GiB"),
    NETWORK("MB/s"),
    DISK("MB/s");

    public static final int COUNT = values().length;
    private static final Resource[] ALL = values();

    private final String unit;

    Resource(String unit) {
        this.unit = unit;
    }

    public String unit() {
        return unit;
    }

    public static Resource of(int ordinal) {
        return ALL[ordinal];
    }

    /** Parses "cpu", "memory"/"mem", "network"/"net", "disk", case-insensitively. */
    public static Resource parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "cpu" -> CPU;
            case "memory", "mem" -> MEMORY;
            case "network", "net" -> NETWORK;
            case "disk" -> DISK;
            default -> throw new IllegalArgumentException(
                    "unknown resource '" + name + "': use one of cpu, memory, network, disk");
        };
    }
}
