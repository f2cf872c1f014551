package io.foresight.core.actuate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.ResourceVectorJson;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An in-process cluster that behaves like the real thing where it matters for control: an increase
 * takes effect only after the resource's provisioning lead time (decreases are immediate), spot
 * capacity can be interrupted (seeded hash per user and hour, or scripted), every held allocation
 * costs money (PriceBook), and apply is idempotent per key. Replaying a {@link Trace} reports usage
 * against the allocation in effect. The whole state saves to / loads from one JSON file, so a
 * worker killed with -9 resumes where it was. Not thread-safe: one control loop drives it.
 */
public final class SimulatedCluster implements Actuator {
    /** Settings: lead time per resource (seconds), prices, spot interruptions. */
    public record Config(long[] leadSeconds, PriceBook prices, long spotSeed, double spotInterruptionsPerHour,
                         List<ScriptedInterruption> scripted, int rememberedKeys) {
        public Config {
            if (leadSeconds == null || leadSeconds.length != Resource.COUNT) {
                throw new IllegalArgumentException("leadSeconds needs one value per resource");
            }
            for (long l : leadSeconds) {
                if (l < 0) {
                    throw new IllegalArgumentException("lead times must be >= 0 s");
                }
            }
            Objects.requireNonNull(prices, "prices");
            if (!(spotInterruptionsPerHour >= 0 && spotInterruptionsPerHour <= 1)) {
                throw new IllegalArgumentException("spotInterruptionsPerHour is a probability in [0,1], got "
                        + spotInterruptionsPerHour);
            }
            scripted = List.copyOf(scripted == null ? List.of() : scripted);
            if (rememberedKeys < 1) {
                throw new IllegalArgumentException("rememberedKeys must be >= 1");
            }
        }

        /** CPU and memory take 5 minutes to provision, network and disk 1 minute; 2% interruptions per spot-hour. */
        public static Config defaults() {
            return new Config(new long[] {300, 300, 60, 60}, PriceBook.DEFAULT, 42, 0.02, List.of(), 10_000);
        }

        public long lead(Resource r) {
            return leadSeconds[r.ordinal()];
        }
    }

    /** A scripted interruption of one user's spot capacity ("*" = every spot user) at a time. */
    public record ScriptedInterruption(long at, String user) {
        public ScriptedInterruption {
            Objects.requireNonNull(user, "user");
        }
    }

    /** An interruption that happened: the user lost its spot capacity and is being re-provisioned on-demand. */
    public record Interruption(long at, String user, ResourceVector lost) {
    }

    /** Usage of one user in one interval against the allocation in effect. */
    public record Sample(String user, long at, ResourceVector usage, ResourceVector allocation, ResourceVector shortfall) {
        public boolean shortOf() {
            for (double v : shortfall.toArray()) {
                if (v > 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A pending increase of one resource of one user. */
    record Pending(Resource resource, double value, long at) {
    }

    /** Per-user state, public only for JSON. */
    static final class UserState {
        public ResourceVector target = ResourceVector.ZERO;
        public ResourceVector effective = ResourceVector.ZERO;
        public boolean spot;
        public List<Pending> pending = new ArrayList<>();
    }

    /** The saved form. */
    record Snapshot(Config config, long now, double cost, Map<String, UserState> users,
                    LinkedHashMap<String, ApplyResult> applied, List<Interruption> interruptions, int firedScripted) {
    }

    private final Config config;
    private long now;
    private double cost;
    private final Map<String, UserState> users = new TreeMap<>();
    private final LinkedHashMap<String, ApplyResult> applied = new LinkedHashMap<>();
    private final List<Interruption> interruptions = new ArrayList<>();
    private int firedScripted;

    public SimulatedCluster(Config config, long startAt) {
        this.config = Objects.requireNonNull(config, "config");
        this.now = startAt;
    }

    public Config config() {
        return config;
    }

    public long now() {
        return now;
    }

    /** Total cost of the allocations held so far, USD. */
    public double cost() {
        return cost;
    }

    @Override
    public ApplyResult apply(ApplyRequest request) {
        Objects.requireNonNull(request, "request");
        ApplyResult first = applied.get(request.idempotencyKey());
        if (first != null) {
            return first.asReplay();
        }
        List<UserAllocation> previous = new ArrayList<>();
        List<UserAllocation> done = new ArrayList<>();
        for (UserAllocation a : request.allocations()) {
            UserState s = users.computeIfAbsent(a.user(), u -> new UserState());
            previous.add(new UserAllocation(a.user(), s.target, s.spot));
            setTarget(a.user(), s, a.allocation(), a.spot());
            done.add(a);
        }
        ApplyResult result = new ApplyResult(request.idempotencyKey(), previous, done, false);
        applied.put(request.idempotencyKey(), result);
        while (applied.size() > config.rememberedKeys()) {
            applied.remove(applied.keySet().iterator().next());
        }
        return result;
    }

    @Override
    public Optional<UserAllocation> current(String user) {
        UserState s = users.get(user);
        return s == null ? Optional.empty() : Optional.of(new UserAllocation(user, s.effective, s.spot));
    }

    /** What the user will hold once pending increases have arrived. */
    public Optional<UserAllocation> target(String user) {
        UserState s = users.get(user);
        return s == null ? Optional.empty() : Optional.of(new UserAllocation(user, s.target, s.spot));
    }

    @Override
    public void compensate(ApplyResult result) {
        for (UserAllocation p : result.previous()) {
            UserState s = users.computeIfAbsent(p.user(), u -> new UserState());
            setTarget(p.user(), s, p.allocation(), p.spot());
        }
    }

    private void setTarget(String user, UserState s, ResourceVector target, boolean spot) {
        if (s.spot != spot) {
            // moving between markets means new capacity: everything is re-provisioned
            s.effective = ResourceVector.ZERO;
            s.pending.clear();
        }
        s.spot = spot;
        s.target = target;
        s.pending.clear();
        double[] eff = s.effective.toArray();
        for (Resource r : Resource.values()) {
            double want = target.get(r);
            if (want <= eff[r.ordinal()] || config.lead(r) == 0) {
                eff[r.ordinal()] = want; // giving back is immediate
            } else {
                s.pending.add(new Pending(r, want, now + config.lead(r)));
            }
        }
        s.effective = ResourceVector.of(eff);
    }

    /** Moves the clock forward: pending increases arrive, spot interruptions happen, cost accrues. */
    public void advanceTo(long t) {
        if (t < now) {
            throw new IllegalArgumentException("the cluster clock cannot go back from " + now + " to " + t);
        }
        while (now < t) {
            // next event: a pending arrival, a scripted interruption, or an hour boundary (random interruptions)
            long next = Math.min(t, (Math.floorDiv(now, 3600) + 1) * 3600);
            for (UserState s : users.values()) {
                for (Pending p : s.pending) {
                    if (p.at() > now) {
                        next = Math.min(next, p.at());
                    }
                }
            }
            if (firedScripted < config.scripted().size()) {
                long at = config.scripted().get(firedScripted).at();
                if (at > now) {
                    next = Math.min(next, at);
                }
            }
            for (UserState s : users.values()) {
                cost += config.prices().cost(s.effective, next - now, s.spot);
            }
            long hourBefore = Math.floorDiv(now, 3600);
            now = next;
            arrive();
            while (firedScripted < config.scripted().size() && config.scripted().get(firedScripted).at() <= now) {
                ScriptedInterruption si = config.scripted().get(firedScripted++);
                for (var e : users.entrySet()) {
                    if (e.getValue().spot && (si.user().equals("*") || si.user().equals(e.getKey()))) {
                        interrupt(e.getKey(), e.getValue());
                    }
                }
            }
            if (Math.floorDiv(now, 3600) > hourBefore && config.spotInterruptionsPerHour() > 0) {
                long hour = Math.floorDiv(now, 3600);
                for (var e : users.entrySet()) {
                    if (e.getValue().spot && uniform(config.spotSeed(), e.getKey(), hour) < config.spotInterruptionsPerHour()) {
                        interrupt(e.getKey(), e.getValue());
                    }
                }
            }
        }
        arrive();
    }

    private void arrive() {
        for (UserState s : users.values()) {
            if (s.pending.isEmpty()) {
                continue;
            }
            double[] eff = s.effective.toArray();
            s.pending.removeIf(p -> {
                if (p.at() <= now) {
                    eff[p.resource().ordinal()] = p.value();
                    return true;
                }
                return false;
            });
            s.effective = ResourceVector.of(eff);
        }
    }

    /** Spot capacity is gone at once; the same allocation is re-provisioned on-demand after the lead time. */
    private void interrupt(String user, UserState s) {
        interruptions.add(new Interruption(now, user, s.effective));
        s.spot = false;
        s.effective = ResourceVector.ZERO;
        s.pending.clear();
        for (Resource r : Resource.values()) {
            if (s.target.get(r) > 0) {
                s.pending.add(new Pending(r, s.target.get(r), now + config.lead(r)));
            }
        }
    }

    /** Deterministic uniform [0,1) from (seed, user, hour): no random state to save. */
    static double uniform(long seed, String user, long hour) {
        long h = seed * 0x9E3779B97F4A7C15L ^ user.hashCode() * 0xC2B2AE3D27D4EB4FL ^ hour * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    /** Interruptions since the last call (the control loop re-plans on them). */
    public List<Interruption> drainInterruptions() {
        List<Interruption> out = List.copyOf(interruptions);
        interruptions.clear();
        return out;
    }

    /**
     * Advances to interval {@code i} of the trace and reports each user's usage there against the
     * allocation in effect. Users of the trace the cluster does not know hold nothing.
     */
    public List<Sample> observe(Trace trace, int i) {
        long t = Long.MIN_VALUE;
        for (UserSeries s : trace.users().values()) {
            if (i < s.size()) {
                t = Math.max(t, s.timestamp(i));
            }
        }
        if (t == Long.MIN_VALUE) {
            throw new IllegalArgumentException("interval " + i + " is past the end of every series in the trace");
        }
        if (t > now) {
            advanceTo(t);
        }
        List<Sample> out = new ArrayList<>();
        for (UserSeries s : trace.users().values()) {
            if (i >= s.size()) {
                continue;
            }
            ResourceVector use = s.usageAt(i);
            UserState st = users.get(s.user());
            ResourceVector alloc = st == null ? ResourceVector.ZERO : st.effective;
            out.add(new Sample(s.user(), s.timestamp(i), use, alloc,
                    use.combine(alloc, (u, a) -> Double.isNaN(u) ? 0 : Math.max(0, u - a))));
        }
        return out;
    }

    // ---- persistence ----

    static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper().registerModule(ResourceVectorJson.module())
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        m.setVisibility(m.getSerializationConfig().getDefaultVisibilityChecker()
                .withFieldVisibility(com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.PUBLIC_ONLY));
        return m;
    }

    /** Writes the whole state to {@code file} atomically (temp file + rename), so a crash never leaves half a file. */
    public void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            mapper().writeValue(tmp.toFile(), new Snapshot(config, now, cost, users, applied, interruptions, firedScripted));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save simulated cluster state to " + file + ": " + e.getMessage(), e);
        }
    }

    public static SimulatedCluster load(Path file) {
        Snapshot s;
        try {
            s = mapper().readValue(file.toFile(), Snapshot.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load simulated cluster state from " + file + ": " + e.getMessage()
                    + " (delete the file to start with an empty cluster)", e);
        }
        SimulatedCluster c = new SimulatedCluster(s.config(), s.now());
        c.cost = s.cost();
        c.users.putAll(s.users());
        c.applied.putAll(s.applied());
        c.interruptions.addAll(s.interruptions());
        c.firedScripted = s.firedScripted();
        return c;
    }

    /** Loads {@code file} if it exists, else a new cluster (first start). */
    public static SimulatedCluster loadOrCreate(Path file, Config config, long startAt) {
        return Files.exists(file) ? load(file) : new SimulatedCluster(config, startAt);
    }
}
