package io.foresight.activities.controlloop;

import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pool larger than a recorded trace, for benchmarks: the trace's real VMs, then time-shifted copies of them until
 * the pool has {@code users} users. Copy k of a VM ({@code VM~k}) replays that VM's own usage and provisioning rotated by
 * {@code k * 37} intervals (so copies do not move in lockstep) on the VM's own timestamps. The copies are views: a
 * copy's interval is read from the real VM's arrays when asked for, so 100,000 users cost the memory of the real
 * VMs, not 250 copies of them (a month of 400 VMs is about 0.1 GiB; the copies as arrays would be tens of GiB).
 */
public final class TimeShiftedUsageSource implements UsageSource {
    /** Marks a time-shifted copy's id ({@code VM~k}); Bitbrains VM ids are numbers. */
    public static final String COPY_MARK = "~";
    /** Copy k of a VM is rotated by {@code k * SHIFT_STEPS} intervals. */
    static final int SHIFT_STEPS = 37;

    private final TraceUsageSource real;
    private final Trace trace;
    private final List<String> users;
    private final int realUsers;

    /**
     * @param trace       the real VMs (a usage trace; job logs are not shifted)
     * @param users       the pool's size: the real VMs first, then copies 1, 2, ... of each in the trace's order
     * @param warmupSteps intervals before cycle 0 (as {@link TraceUsageSource})
     */
    public TimeShiftedUsageSource(Trace trace, int users, int warmupSteps) {
        this.trace = Objects.requireNonNull(trace, "trace");
        if (users < 1) {
            throw new IllegalArgumentException("users must be >= 1, got " + users);
        }
        this.real = new TraceUsageSource(trace, warmupSteps);
        List<String> base = trace.userIds();
        if (base.isEmpty()) {
            throw new IllegalArgumentException("the trace has no users to copy");
        }
        for (String id : base) {
            if (id.contains(COPY_MARK)) {
                throw new IllegalArgumentException("user id '" + id + "' contains '" + COPY_MARK + "', which marks copies");
            }
            if (trace.user(id).jobs() != null) {
                throw new IllegalArgumentException("user '" + id + "' comes from a job log: only usage traces are time-shifted");
            }
        }
        List<String> ids = new ArrayList<>(users);
        for (int k = 0; ids.size() < users; k++) {
            for (String id : base) {
                if (ids.size() >= users) {
                    break;
                }
                ids.add(k == 0 ? id : id + COPY_MARK + k);
            }
        }
        this.users = List.copyOf(ids);
        this.realUsers = Math.min(users, base.size());
    }

    /** How many of the pool's users are real VMs (the rest are copies). */
    public int realUsers() {
        return realUsers;
    }

    @Override
    public List<String> users() {
        return users;
    }

    @Override
    public int stepSeconds() {
        return real.stepSeconds();
    }

    @Override
    public int firstInterval() {
        return real.firstInterval();
    }

    @Override
    public int intervals() {
        return real.intervals(); // a copy is as long as its VM
    }

    @Override
    public UserSeries history(String user, int upTo) {
        Copy c = copy(user);
        if (c.k == 0) {
            return real.history(user, upTo);
        }
        int m = Math.min(Math.max(upTo, 0), c.base.size());
        long[] ts = java.util.Arrays.copyOf(c.base.timestamps(), m);
        double[][] u = new double[Resource.COUNT][m];
        double[][] cap = new double[Resource.COUNT][m];
        for (Resource r : Resource.values()) {
            double[] bu = c.base.usageColumn(r);
            double[] bc = c.base.capacityColumn(r);
            for (int i = 0; i < m; i++) {
                int j = c.at(i);
                u[r.ordinal()][i] = bu[j];
                cap[r.ordinal()][i] = bc[j];
            }
        }
        return new UserSeries(user, c.base.stepSeconds(), ts, u, cap);
    }

    @Override
    public Sample sample(String user, int interval) {
        Copy c = copy(user);
        if (c.k == 0) {
            return real.sample(user, interval);
        }
        if (interval < 0 || interval >= c.base.size()) {
            return null;
        }
        int j = c.at(interval);
        return new Sample(c.base.timestamp(interval), c.base.usageAt(j), c.base.capacityAt(j), null);
    }

    /** The real VMs of the trace (never their copies), cut to their first {@code days}: what a benchmark's model is fitted on. */
    public Trace firstDays(int days) {
        Map<String, UserSeries> out = new java.util.LinkedHashMap<>();
        int n = days * 86400 / trace.stepSeconds();
        for (Map.Entry<String, UserSeries> e : trace.users().entrySet()) {
            out.put(e.getKey(), e.getValue().slice(0, Math.min(n, e.getValue().size())));
        }
        return new Trace(trace.stepSeconds(), out, trace.report());
    }

    private record Copy(UserSeries base, int k) {
        /** The real VM's interval that this copy's interval {@code i} replays. */
        int at(int i) {
            int n = base.size();
            return (int) ((i + (long) k * SHIFT_STEPS) % n);
        }
    }

    private Copy copy(String user) {
        int mark = user.lastIndexOf(COPY_MARK);
        String id = mark < 0 ? user : user.substring(0, mark);
        UserSeries base = trace.user(id);
        if (base == null) {
            throw new IllegalArgumentException("user '" + user + "' is not in the pool");
        }
        int k;
        try {
            k = mark < 0 ? 0 : Integer.parseInt(user.substring(mark + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("user '" + user + "' is not in the pool");
        }
        return new Copy(base, k);
    }
}
