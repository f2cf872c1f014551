package io.foresight.core.actuate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.ResourceVectorJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster simulated in files: every pool's users, their allocations, and what holding them costs,
 * durable across worker crashes and shared by worker processes.
 *
 * <p><b>Durability.</b> The applied-allocations journal ({@code <dir>/<pool>/applied.jsonl}, one JSON
 * line per applied key with every user's requested allocation and the one it replaced) IS the cluster
 * state: everything else is computed from it. So applying and recording the key are one write: an apply
 * that crashed before its line was fsync'd did not happen (and is redone by the retry), one whose line
 * is on disk is never repeated. A torn last line (crash mid-write) is cut off when the journal is read;
 * a complete line that does not parse is an error, never skipped. Appends are serialized by a file lock,
 * and the journal is re-read when another process has appended, so two workers retrying the same key
 * still apply it once.
 *
 * <p><b>Time.</b> The cluster's clock is the latest {@link ApplyRequest#at()} in the pool's journal (the
 * loop's replayed time, not the wall clock), and each journal line takes effect at the clock as of that
 * line, so every process computes the same state from the same journal. {@link #current} answers at
 * the clock.
 *
 * <p><b>What it models</b> ({@link Config}): an increase takes effect only after the resource's
 * provisioning lead time, a decrease at once; re-requesting a pending increase keeps its arrival time,
 * requesting less than what is in effect cancels it. A user the cluster has never set is adopted with
 * its first allocation at once (it ran before the loop took over). Spot capacity is interrupted at each
 * hour boundary with probability {@link Config#spotInterruptionsPerHour()}, drawn from a hash of
 * (seed, user, hour) so runs are reproducible, or at scripted times; an interrupted user loses its
 * capacity at once, moves to on-demand and gets its allocation back after the lead time. Holding an
 * allocation costs {@link Config#prices()} per second, spot or on-demand. {@link Config#defaults()} has
 * no lead time and no interruptions: an apply is in effect at once, which is what the loop's one-step
 * decision lead assumes.
 *
 * <p>Every process sharing a journal must use the same {@link Config}: the first one writes it next to
 * the journal ({@code cluster-config.json}) and a process with a different one is refused.
 */
public final class SimulatedCluster implements Actuator {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(ResourceVectorJson.module());
    static final String JOURNAL = "applied.jsonl";
    static final String CONFIG = "cluster-config.json";
    private static final String COMPENSATION = "#compensation";
    private static final long NONE = Long.MAX_VALUE;

    /**
     * What the simulator models.
     *
     * @param leadSeconds              provisioning lead time of an increase, seconds, one per resource
     * @param prices                   what holding an allocation costs per hour, on-demand and spot
     * @param spotSeed                 seed of the spot interruption draws
     * @param spotInterruptionsPerHour probability that a user on spot is interrupted at an hour boundary
     * @param scripted                 interruptions at given times, on top of the drawn ones
     */
    public record Config(long[] leadSeconds, PriceBook prices, long spotSeed, double spotInterruptionsPerHour,
                         List<ScriptedInterruption> scripted) {
        public Config {
            if (leadSeconds == null || leadSeconds.length != Resource.COUNT) {
                throw new IllegalArgumentException("leadSeconds needs one value per resource (cpu, memory, network, disk)");
            }
            leadSeconds = leadSeconds.clone();
            for (long l : leadSeconds) {
                if (l < 0) {
                    throw new IllegalArgumentException("lead times must be >= 0 s, got " + Arrays.toString(leadSeconds));
                }
            }
            Objects.requireNonNull(prices, "prices");
            if (!(spotInterruptionsPerHour >= 0 && spotInterruptionsPerHour <= 1)) {
                throw new IllegalArgumentException("spotInterruptionsPerHour is a probability in [0,1], got "
                        + spotInterruptionsPerHour);
            }
            scripted = List.copyOf(scripted == null ? List.of() : scripted);
        }

        /** No lead time, no spot interruptions, list prices: an apply is in effect at once. */
        public static Config defaults() {
            return new Config(new long[Resource.COUNT], PriceBook.DEFAULT, 42, 0, List.of());
        }

        /** Lead times of increases in seconds. */
        public Config withLeadSeconds(long cpu, long memory, long network, long disk) {
            return new Config(new long[] {cpu, memory, network, disk}, prices, spotSeed, spotInterruptionsPerHour, scripted);
        }

        public Config withSpotInterruptions(long seed, double perHour) {
            return new Config(leadSeconds, prices, seed, perHour, scripted);
        }

        public Config withScripted(List<ScriptedInterruption> interruptions) {
            return new Config(leadSeconds, prices, spotSeed, spotInterruptionsPerHour, interruptions);
        }

        public Config withPrices(PriceBook p) {
            return new Config(leadSeconds, p, spotSeed, spotInterruptionsPerHour, scripted);
        }

        public long lead(Resource r) {
            return leadSeconds[r.ordinal()];
        }

        @Override
        public long[] leadSeconds() {
            return leadSeconds.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(leadSeconds, c.leadSeconds) && prices.equals(c.prices)
                    && spotSeed == c.spotSeed && spotInterruptionsPerHour == c.spotInterruptionsPerHour
                    && scripted.equals(c.scripted);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(leadSeconds), prices, spotSeed, spotInterruptionsPerHour, scripted);
        }

        @Override
        public String toString() {
            return "Config[leadSeconds=" + Arrays.toString(leadSeconds) + ", prices=" + prices + ", spotSeed=" + spotSeed
                    + ", spotInterruptionsPerHour=" + spotInterruptionsPerHour + ", scripted=" + scripted + "]";
        }
    }

    /** A scripted interruption of one user's spot capacity ({@code "*"}: every user on spot) at a time. */
    public record ScriptedInterruption(long at, String user) {
        public ScriptedInterruption {
            Objects.requireNonNull(user, "user");
        }

        boolean hits(String u) {
            return user.equals("*") || user.equals(u);
        }
    }

    /** An interruption that happened: the user lost {@code lost} and is being re-provisioned on-demand. */
    public record Interruption(long at, String user, ResourceVector lost) {}

    /**
     * One journal line: an applied key, its cycle and requested time, the allocation set for every user of
     * the call and the one each had before (absent: it had none). A compensation line also lists the
     * users it removes.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Entry(String key, long cycle, long at, Map<String, double[]> allocations, List<String> spot,
                        Map<String, double[]> previous, List<String> previousSpot, List<String> removed) {
        public Entry {
            // fields a journal written before lead times and compensation did not have
            allocations = allocations == null ? Map.of() : allocations;
            spot = spot == null ? List.of() : spot;
            previous = previous == null ? Map.of() : previous;
            previousSpot = previousSpot == null ? List.of() : previousSpot;
            removed = removed == null ? List.of() : removed;
        }
    }

    private final Path dir;
    private final Config config;
    private final Map<String, PoolState> pools = new HashMap<>();

    private static final class PoolState {
        final Map<String, Long> keyOffsets = new HashMap<>();
        final Map<String, UserState> users = new HashMap<>();
        final List<Interruption> interruptions = new ArrayList<>();
        long clock = Long.MIN_VALUE;
        long loadedBytes;
        boolean configChecked;
    }

    /** A user's state as of time {@code t}. */
    private static final class UserState {
        ResourceVector target; // null: holds nothing
        boolean spot;
        final double[] effective = new double[Resource.COUNT];
        final double[] pendingValue = new double[Resource.COUNT];
        final long[] pendingAt = {NONE, NONE, NONE, NONE};
        long t;
        double cost;

        UserState(long t) {
            this.t = t;
        }
    }

    /** A cluster with {@link Config#defaults()}. */
    public SimulatedCluster(Path dir) {
        this(dir, Config.defaults());
    }

    public SimulatedCluster(Path dir, Config config) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.config = Objects.requireNonNull(config, "config");
    }

    public Config config() {
        return config;
    }

    /** The journal file of a pool (for audits and tests). */
    public Path journal(String pool) {
        return dir.resolve(pool).resolve(JOURNAL);
    }

    @Override
    public synchronized ApplyResult apply(ApplyRequest request) {
        Objects.requireNonNull(request, "request");
        String pool = request.pool();
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
            Long offset = s.keyOffsets.get(request.idempotencyKey());
            if (offset != null) {
                return toResult(pool, readAt(ch, offset)).asReplay();
            }
            Map<String, double[]> alloc = new LinkedHashMap<>();
            List<String> spot = new ArrayList<>();
            Map<String, double[]> previous = new LinkedHashMap<>();
            List<String> previousSpot = new ArrayList<>();
            for (UserAllocation a : request.allocations()) {
                alloc.put(a.user(), a.allocation().toArray());
                if (a.spot()) {
                    spot.add(a.user());
                }
                UserState u = s.users.get(a.user());
                if (u != null && u.target != null) {
                    previous.put(a.user(), u.target.toArray());
                    if (u.spot) {
                        previousSpot.add(a.user());
                    }
                }
            }
            Entry e = new Entry(request.idempotencyKey(), request.cycle(), request.at(), alloc, spot, previous,
                    previousSpot, List.of());
            append(pool, s, ch, e);
            return toResult(pool, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the cluster journal " + journal(pool), e);
        }
    }

    @Override
    public synchronized Map<String, UserAllocation> current(String pool, Collection<String> users) {
        PoolState s = read(pool);
        Map<String, UserAllocation> out = new LinkedHashMap<>();
        for (String u : users) {
            UserState st = s.users.get(u);
            if (st != null && st.target != null) {
                advance(s, u, st, s.clock);
                out.put(u, new UserAllocation(u, ResourceVector.of(st.effective), st.spot));
            }
        }
        return out;
    }

    /** What the user asked for last (in effect once pending increases have arrived), empty if it holds nothing. */
    public synchronized java.util.Optional<UserAllocation> target(String pool, String user) {
        UserState st = read(pool).users.get(user);
        return st == null || st.target == null ? java.util.Optional.empty()
                : java.util.Optional.of(new UserAllocation(user, st.target, st.spot));
    }

    @Override
    public synchronized void compensate(ApplyResult result) {
        Objects.requireNonNull(result, "result");
        String key = result.idempotencyKey();
        String pool = result.pool();
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
            String undo = key + COMPENSATION;
            if (s.keyOffsets.containsKey(undo)) {
                return;
            }
            Long offset = s.keyOffsets.get(key);
            if (offset == null) {
                throw new IllegalArgumentException("cannot compensate " + key + ": pool " + pool + " never applied it");
            }
            Entry original = readAt(ch, offset);
            Map<String, double[]> alloc = new LinkedHashMap<>(original.previous());
            List<String> removed = original.allocations().keySet().stream()
                    .filter(u -> !original.previous().containsKey(u)).toList();
            append(pool, s, ch, new Entry(undo, original.cycle(), s.clock, alloc, original.previousSpot(), Map.of(),
                    List.of(), removed));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the cluster journal " + journal(pool), e);
        }
    }

    /** The pool's clock: the latest requested time in its journal (Long.MIN_VALUE before the first apply). */
    public synchronized long clock(String pool) {
        return read(pool).clock;
    }

    /** What every allocation of the pool has cost up to its clock, USD. */
    public synchronized double cost(String pool) {
        PoolState s = read(pool);
        double c = 0;
        for (var e : s.users.entrySet()) {
            advance(s, e.getKey(), e.getValue(), s.clock);
            c += e.getValue().cost;
        }
        return c;
    }

    /** The spot interruptions of the pool up to its clock, in time order. */
    public synchronized List<Interruption> interruptions(String pool) {
        PoolState s = read(pool);
        s.users.forEach((u, st) -> advance(s, u, st, s.clock));
        List<Interruption> out = new ArrayList<>(s.interruptions);
        out.sort(Comparator.comparingLong(Interruption::at).thenComparing(Interruption::user));
        return out;
    }

    /** Reads every journal line. */
    public List<Entry> entries(String pool) {
        Path f = journal(pool);
        if (!Files.exists(f)) {
            return List.of();
        }
        try {
            return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(SimulatedCluster::parse).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    // ---- journal ----

    private PoolState read(String pool) {
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster journal " + journal(pool), e);
        }
        return s;
    }

    private FileChannel open(String pool) throws IOException {
        Path f = journal(pool);
        Files.createDirectories(f.getParent());
        return FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private void append(String pool, PoolState s, FileChannel ch, Entry e) throws IOException {
        byte[] line = (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(line);
        ch.position(s.loadedBytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        ch.force(true); // the apply happened once this line is durable, not before
        s.keyOffsets.put(e.key(), s.loadedBytes);
        s.loadedBytes += line.length;
        take(s, e);
    }

    /** Reads lines appended since the last read (by us before a restart, or by another process). */
    private void catchUp(String pool, PoolState s, FileChannel ch) throws IOException {
        if (!s.configChecked) {
            checkConfig(pool);
            s.configChecked = true;
        }
        long size = ch.size();
        if (size == s.loadedBytes) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size - s.loadedBytes));
        ch.read(buf, s.loadedBytes);
        byte[] bytes = buf.array();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                if (!line.isBlank()) {
                    Entry e = parse(line);
                    s.keyOffsets.put(e.key(), s.loadedBytes + start);
                    take(s, e);
                }
                start = i + 1;
            }
        }
        s.loadedBytes += start;
        if (start < bytes.length) {
            // a write that never completed: it was not applied; cut it so the next append starts clean
            LOG.warn("cluster journal {}: discarding a torn last line of {} bytes (a crash during an apply)",
                    journal(pool), bytes.length - start);
            ch.truncate(s.loadedBytes);
            ch.force(true);
        }
    }

    /** The first process to use a pool writes its config; later ones must use the same. */
    private void checkConfig(String pool) throws IOException {
        Path f = dir.resolve(pool).resolve(CONFIG);
        if (Files.exists(f)) {
            Config theirs;
            try {
                theirs = JSON.readValue(f.toFile(), Config.class);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + f + " (" + e.getMessage() + "); restore it or move "
                        + dir.resolve(pool) + " aside to start an empty cluster", e);
            }
            if (!config.equals(theirs)) {
                throw new IllegalStateException("the simulated cluster of pool " + pool + " was created with " + theirs
                        + " but this process uses " + config + "; use the same settings in every worker, or move "
                        + dir.resolve(pool) + " aside to start an empty cluster");
            }
            return;
        }
        Path tmp = Files.createTempFile(f.getParent(), CONFIG, ".tmp");
        JSON.writeValue(tmp.toFile(), config);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The journal line that starts at {@code offset}. */
    private static Entry readAt(FileChannel ch, long offset) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long pos = offset; ; ) {
            buf.clear();
            int n = ch.read(buf, pos);
            if (n <= 0) {
                break;
            }
            byte[] b = buf.array();
            for (int i = 0; i < n; i++) {
                if (b[i] == '\n') {
                    line.write(b, 0, i);
                    return parse(line.toString(StandardCharsets.UTF_8));
                }
            }
            line.write(b, 0, n);
            pos += n;
        }
        return parse(line.toString(StandardCharsets.UTF_8));
    }

    private static Entry parse(String line) {
        try {
            Entry e = JSON.readValue(line, Entry.class);
            for (Map<String, double[]> m : List.of(e.allocations(), e.previous())) {
                m.values().forEach(v -> {
                    if (v.length != Resource.COUNT) {
                        throw new IllegalStateException("allocation with " + v.length + " values");
                    }
                });
            }
            return e;
        } catch (IOException | RuntimeException ex) {
            throw new IllegalStateException("corrupt cluster journal line (not a torn tail: a complete line that "
                    + "does not parse); fix or move the journal aside: " + line, ex);
        }
    }

    private static ApplyResult toResult(String pool, Entry e) {
        List<UserAllocation> previous = new ArrayList<>();
        List<UserAllocation> applied = new ArrayList<>();
        Set<String> spot = new HashSet<>(e.spot());
        Set<String> previousSpot = new HashSet<>(e.previousSpot());
        e.allocations().forEach((u, v) -> {
            applied.add(new UserAllocation(u, ResourceVector.of(v), spot.contains(u)));
            double[] p = e.previous().get(u);
            previous.add(new UserAllocation(u, p == null ? ResourceVector.ZERO : ResourceVector.of(p), previousSpot.contains(u)));
        });
        return new ApplyResult(pool, e.key(), previous, applied, false);
    }

    // ---- the model ----

    /** Takes one journal line into the state: it happens at the pool's clock as of that line. */
    private void take(PoolState s, Entry e) {
        s.clock = Math.max(s.clock, e.at());
        long t = s.clock;
        Set<String> spot = new HashSet<>(e.spot());
        e.allocations().forEach((u, v) -> {
            UserState st = s.users.computeIfAbsent(u, x -> new UserState(t));
            advance(s, u, st, t);
            setTarget(st, ResourceVector.of(v), spot.contains(u), t);
        });
        for (String u : e.removed()) {
            UserState st = s.users.get(u);
            if (st != null) {
                advance(s, u, st, t);
                st.target = null;
                st.spot = false;
                Arrays.fill(st.effective, 0);
                Arrays.fill(st.pendingAt, NONE);
            }
        }
    }

    private void setTarget(UserState s, ResourceVector target, boolean spot, long t) {
        boolean adopt = s.target == null;
        if (!adopt && s.spot != spot) {
            // moving between markets means new capacity: everything is provisioned again
            Arrays.fill(s.effective, 0);
            Arrays.fill(s.pendingAt, NONE);
        }
        s.spot = spot;
        s.target = target;
        for (Resource r : Resource.values()) {
            int i = r.ordinal();
            double want = target.get(r);
            double have = s.effective[i];
            if (adopt || config.lead(r) == 0 || Double.isNaN(want) || Double.isNaN(have) || want <= have) {
                s.effective[i] = want; // giving back is immediate; an unknown value is not provisioned
                s.pendingAt[i] = NONE;
            } else if (s.pendingAt[i] == NONE || s.pendingValue[i] != want) {
                s.pendingValue[i] = want;
                s.pendingAt[i] = t + config.lead(r);
            } // else: the same increase is already on its way; asking again does not restart it
        }
    }

    /** Moves one user's state forward to {@code to}: cost accrues, increases arrive, spot is interrupted. */
    private void advance(PoolState pool, String user, UserState s, long to) {
        while (s.t < to) {
            long next = to;
            for (long at : s.pendingAt) {
                next = Math.min(next, at);
            }
            boolean onSpot = s.target != null && s.spot;
            if (onSpot && config.spotInterruptionsPerHour() > 0) {
                next = Math.min(next, (Math.floorDiv(s.t, 3600) + 1) * 3600);
            }
            if (onSpot) {
                for (ScriptedInterruption si : config.scripted()) {
                    if (si.hits(user) && si.at() > s.t && si.at() < next) {
                        next = si.at();
                    }
                }
            }
            s.cost += config.prices().cost(ResourceVector.of(s.effective), next - s.t, s.spot);
            s.t = next;
            for (int i = 0; i < Resource.COUNT; i++) {
                if (s.pendingAt[i] <= s.t) {
                    s.effective[i] = s.pendingValue[i];
                    s.pendingAt[i] = NONE;
                }
            }
            if (onSpot && interrupted(user, s.t)) {
                interrupt(pool, user, s);
            }
        }
    }

    private boolean interrupted(String user, long t) {
        for (ScriptedInterruption si : config.scripted()) {
            if (si.at() == t && si.hits(user)) {
                return true;
            }
        }
        return config.spotInterruptionsPerHour() > 0 && Math.floorMod(t, 3600) == 0
                && uniform(config.spotSeed(), user, Math.floorDiv(t, 3600)) < config.spotInterruptionsPerHour();
    }

    /** Spot capacity is gone at once; the same allocation is provisioned on-demand after the lead time. */
    private void interrupt(PoolState pool, String user, UserState s) {
        pool.interruptions.add(new Interruption(s.t, user, ResourceVector.of(s.effective)));
        s.spot = false;
        Arrays.fill(s.effective, 0);
        Arrays.fill(s.pendingAt, NONE);
        setTarget(s, s.target, false, s.t);
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
}
