package io.foresight.collect.api;

import io.foresight.core.model.Resource;
import java.util.Map;

/**
 * Largest values a record may carry before it is taken for a unit mistake or garbage rather than a
 * real measurement: a record above one of them is quarantined with the reason instead of being
 * accepted, so one absurd value (1e308 cores, a 25-year job) cannot poison a user's model.
 *
 * @param maxCpuCores       cores one job can use
 * @param maxMemoryGib      memory one job can use, GiB
 * @param maxNetworkMbps    network throughput of one job, MB/s
 * @param maxDiskMbps       disk throughput of one job, MB/s
 * @param maxRuntimeSeconds longest plausible run (end - start) and wait (start - submit)
 */
public record PlausibleLimits(double maxCpuCores, double maxMemoryGib, double maxNetworkMbps, double maxDiskMbps,
                              long maxRuntimeSeconds) {
    static final String ENV_CPU = "FORESIGHT_INGEST_MAX_CPU";
    static final String ENV_MEMORY = "FORESIGHT_INGEST_MAX_MEMORY_GIB";
    static final String ENV_NETWORK = "FORESIGHT_INGEST_MAX_NETWORK_MBPS";
    static final String ENV_DISK = "FORESIGHT_INGEST_MAX_DISK_MBPS";
    static final String ENV_RUNTIME = "FORESIGHT_INGEST_MAX_RUNTIME_DAYS";

    public PlausibleLimits {
        for (double d : new double[] {maxCpuCores, maxMemoryGib, maxNetworkMbps, maxDiskMbps}) {
            if (!(d > 0) || !Double.isFinite(d)) {
                throw new IllegalArgumentException("plausible resource maxima must be finite and > 0 (got " + d + ")");
            }
        }
        if (maxRuntimeSeconds <= 0) {
            throw new IllegalArgumentException("the plausible maximum runtime must be > 0 seconds (got " + maxRuntimeSeconds + ")");
        }
    }

    /**
     * A large machine and then some: 4,096 cores, 64 TiB memory, 400 GB/s network, 100 GB/s disk, 366 days
     * of runtime. Real jobs stay far below; a value above is a unit or encoding mistake.
     */
    public static PlausibleLimits defaults() {
        return new PlausibleLimits(4_096, 65_536, 400_000, 100_000, 366L * 86_400);
    }

    /** From FORESIGHT_INGEST_MAX_CPU, _MAX_MEMORY_GIB, _MAX_NETWORK_MBPS, _MAX_DISK_MBPS, _MAX_RUNTIME_DAYS. */
    public static PlausibleLimits fromEnv(Map<String, String> env) {
        PlausibleLimits d = defaults();
        return new PlausibleLimits(number(env, ENV_CPU, d.maxCpuCores), number(env, ENV_MEMORY, d.maxMemoryGib),
                number(env, ENV_NETWORK, d.maxNetworkMbps), number(env, ENV_DISK, d.maxDiskMbps),
                Math.round(number(env, ENV_RUNTIME, d.maxRuntimeSeconds / 86_400.0) * 86_400));
    }

    double max(Resource r) {
        return switch (r) {
            case CPU -> maxCpuCores;
            case MEMORY -> maxMemoryGib;
            case NETWORK -> maxNetworkMbps;
            case DISK -> maxDiskMbps;
        };
    }

    static String envName(Resource r) {
        return switch (r) {
            case CPU -> ENV_CPU;
            case MEMORY -> ENV_MEMORY;
            case NETWORK -> ENV_NETWORK;
            case DISK -> ENV_DISK;
        };
    }

    private static double number(Map<String, String> env, String key, double def) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a number. Fix: set it to a positive number or unset it");
        }
    }
}
