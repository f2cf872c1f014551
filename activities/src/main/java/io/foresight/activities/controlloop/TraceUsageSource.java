package io.foresight.activities.controlloop;

import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Replays a recorded trace as the users' actual demand: the Bitbrains per-VM CSV read (and validated)
 * by {@link BitbrainsReader}, one user per VM. Data-source references: {@code trace:<path>[,<path>...]}
 * or a bare path.
 */
public final class TraceUsageSource implements UsageSource {
    private final Trace trace;
    private final List<String> users;
    private final int firstInterval;
    private final int intervals;

    public TraceUsageSource(Trace trace, int warmupSteps) {
        this.trace = Objects.requireNonNull(trace, "trace");
        if (warmupSteps < 1) {
            throw new IllegalArgumentException("warmupSteps must be >= 1 (the forecaster needs history), got " + warmupSteps);
        }
        this.users = trace.userIds();
        this.firstInterval = warmupSteps;
        this.intervals = trace.users().values().stream().mapToInt(UserSeries::size).max().orElse(0);
    }

    /** Resolves {@code trace:} references and bare paths; reads each file once per resolver. */
    public static Resolver resolver(int warmupSteps) {
        java.util.Map<String, UsageSource> cache = new java.util.concurrent.ConcurrentHashMap<>();
        return ref -> cache.computeIfAbsent(ref, r -> {
            String spec = r.startsWith("trace:") ? r.substring("trace:".length()) : r;
            List<Path> paths = BitbrainsReader.paths(spec);
            for (Path p : paths) {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("data source '" + r + "': no trace file at " + p.toAbsolutePath()
                            + ". Fix: pass trace:<path to a Bitbrains CSV(.gz)>, e.g. data/bitbrains-slice/...");
                }
            }
            return new TraceUsageSource(BitbrainsReader.read(paths), warmupSteps);
        });
    }

    @Override
    public List<String> users() {
        return users;
    }

    @Override
    public int stepSeconds() {
        return trace.stepSeconds();
    }

    @Override
    public int firstInterval() {
        return firstInterval;
    }

    @Override
    public int intervals() {
        return intervals;
    }

    @Override
    public UserSeries history(String user, int upTo) {
        UserSeries s = trace.user(user);
        if (s == null) {
            throw new IllegalArgumentException("user '" + user + "' is not in the trace");
        }
        return s.slice(0, Math.min(Math.max(upTo, 0), s.size()));
    }
}
