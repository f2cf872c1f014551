package io.foresight.activities.controlloop;

import io.foresight.core.eval.TraceFiles;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Replays a recorded trace as the users' actual demand: a Bitbrains per-VM CSV read (and validated) by
 * {@link BitbrainsReader}, one user per VM, or an SWF job log read by {@code SwfReader}, one user per job-log
 * user, whose series carry each interval's job state (running and queued jobs: the queue signal the engine
 * uses, exactly as in {@code evaluate}). The format is detected by content. Data-source references:
 * {@code trace:<path>[,<path>...]} or a bare path.
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
                            + ". Fix: pass trace:<path to a Bitbrains CSV(.gz) or an SWF job log>, e.g. data/bitbrains-slice/...");
                }
            }
            return new TraceUsageSource(TraceFiles.read(TraceFiles.check("data source '" + r + "'", paths), paths), warmupSteps);
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
        return withProvisioned(s.slice(0, Math.min(Math.max(upTo, 0), s.size())), firstInterval);
    }

    @Override
    public Sample sample(String user, int interval) {
        UserSeries s = trace.user(user);
        if (s == null) {
            throw new IllegalArgumentException("user '" + user + "' is not in the trace");
        }
        if (s.jobs() != null) {
            return UsageSource.super.sample(user, interval); // a job log's provisioned size comes from its warm-up peak
        }
        return interval < 0 || s.size() <= interval ? null : Sample.of(s, interval);
    }

    /**
     * A job log records no provisioned size: where a job log's series has no capacity, the loop takes the user's peak usage
     * over the warm-up intervals [0, warmup) as what it held before the first decision (as the Prometheus source
     * does), so the first plan changes a known allocation instead of proposing from nothing.
     */
    static UserSeries withProvisioned(UserSeries s, int warmup) {
        if (s.jobs() == null) {
            return s; // a usage trace: its capacity columns are what was provisioned, gaps included
        }
        double[][] cap = null;
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            double[] c = s.capacityColumn(r);
            if (c.length == 0 || !Double.isNaN(c[0])) {
                continue;
            }
            double peak = Double.NaN;
            for (int i = 0; i < Math.min(warmup, s.size()); i++) {
                double u = s.usage(r, i);
                if (!Double.isNaN(u) && !(u <= peak)) {
                    peak = u;
                }
            }
            if (Double.isNaN(peak)) {
                continue;
            }
            if (cap == null) {
                cap = new double[io.foresight.core.model.Resource.COUNT][];
                for (io.foresight.core.model.Resource q : io.foresight.core.model.Resource.values()) {
                    cap[q.ordinal()] = s.capacityColumn(q);
                }
            }
            double[] filled = c.clone();
            for (int i = 0; i < filled.length; i++) {
                if (Double.isNaN(filled[i])) {
                    filled[i] = peak;
                }
            }
            cap[r.ordinal()] = filled;
        }
        if (cap == null) {
            return s;
        }
        double[][] use = new double[io.foresight.core.model.Resource.COUNT][];
        for (io.foresight.core.model.Resource q : io.foresight.core.model.Resource.values()) {
            use[q.ordinal()] = s.usageColumn(q);
        }
        return new UserSeries(s.user(), s.stepSeconds(), s.timestamps(), use, cap, s.jobs());
    }
}
