package io.foresight.activities.actuate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster simulated in files: the allocation of every user of every pool, durable across worker
 * crashes. The applied-allocations journal ({@code <dir>/<pool>/applied.jsonl}, one JSON line per applied
 * key with every user's allocation) IS the cluster state: the current allocation is the last journal entry
 * for the user. So applying and recording the key are one write: an apply that crashed before its line
 * was fsync'd did not happen (and is redone by the retry), one whose line is on disk is never repeated.
 * A torn last line (crash mid-write) is cut off when the journal is read. Appends are serialized by a file
 * lock, and the journal is re-read when another process has appended, so two workers retrying the same
 * key still apply it once.
 */
public final class SimulatedCluster implements Actuator {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JOURNAL = "applied.jsonl";

    /** One journal line: an applied key, its cycle, and the allocation set for every user of the call. */
    public record Entry(String key, long cycle, Map<String, double[]> allocations) {}

    private final Path dir;
    private final Map<String, PoolState> pools = new HashMap<>();

    private static final class PoolState {
        final Set<String> keys = new HashSet<>();
        final Map<String, ResourceVector> current = new HashMap<>();
        long loadedBytes;
    }

    public SimulatedCluster(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** The journal file of a pool (for audits and tests). */
    public Path journal(String pool) {
        return dir.resolve(pool).resolve(JOURNAL);
    }

    @Override
    public synchronized Optional<ResourceVector> current(String pool, String user) {
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster journal " + journal(pool), e);
        }
        return Optional.ofNullable(s.current.get(user));
    }

    @Override
    public synchronized Map<String, ResourceVector> current(String pool, java.util.Collection<String> users) {
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster journal " + journal(pool), e);
        }
        Map<String, ResourceVector> out = new LinkedHashMap<>();
        for (String u : users) {
            ResourceVector v = s.current.get(u);
            if (v != null) {
                out.put(u, v);
            }
        }
        return out;
    }

    @Override
    public synchronized ApplyResult apply(String pool, String key, long cycle, Map<String, ResourceVector> targets) {
        Objects.requireNonNull(key, "key");
        PoolState s = pools.computeIfAbsent(pool, p -> new PoolState());
        try (FileChannel ch = open(pool); FileLock lock = ch.lock()) {
            catchUp(pool, s, ch);
            if (s.keys.contains(key)) {
                return new ApplyResult(0, true);
            }
            Map<String, double[]> alloc = new LinkedHashMap<>();
            targets.forEach((u, v) -> alloc.put(u, v.toArray()));
            byte[] line = (JSON.writeValueAsString(new Entry(key, cycle, alloc)) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(line);
            ch.position(s.loadedBytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true); // the apply happened once this line is durable, not before
            s.loadedBytes += line.length;
            s.keys.add(key);
            s.current.putAll(targets);
            return new ApplyResult(targets.size(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the cluster journal " + journal(pool), e);
        }
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

    private FileChannel open(String pool) throws IOException {
        Path f = journal(pool);
        Files.createDirectories(f.getParent());
        return FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Reads lines appended since the last read (by us before a restart, or by another process). */
    private void catchUp(String pool, PoolState s, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == s.loadedBytes) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (size - s.loadedBytes));
        ch.read(buf, s.loadedBytes);
        byte[] bytes = buf.array();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                if (!line.isBlank()) {
                    Entry e = parse(line);
                    s.keys.add(e.key());
                    e.allocations().forEach((u, v) -> s.current.put(u, ResourceVector.of(v)));
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

    private static Entry parse(String line) {
        try {
            Entry e = JSON.readValue(line, Entry.class);
            e.allocations().values().forEach(v -> {
                if (v.length != Resource.COUNT) {
                    throw new IllegalStateException("allocation with " + v.length + " values");
                }
            });
            return e;
        } catch (IOException | RuntimeException ex) {
            throw new IllegalStateException("corrupt cluster journal line (not a torn tail: a complete line that "
                    + "does not parse); fix or move the journal aside: " + line, ex);
        }
    }
}
