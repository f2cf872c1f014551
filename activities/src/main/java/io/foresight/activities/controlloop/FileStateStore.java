package io.foresight.activities.controlloop;

import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.AnomalyLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * The {@link StateStore} in a local state directory (the default): references are files under it, the audit trail
 * is {@code decisions.jsonl} ({@link DecisionLog}), the anomaly log {@code anomalies.jsonl} ({@link AnomalyLog}),
 * profile versions {@code pools/<pool>/profiles/versions.jsonl}. Writes are atomic (temp file, fsync, rename), so
 * a crashed worker leaves either the old or the new file, and a retried activity simply overwrites its own
 * output. Several workers share it only through a shared file system; across hosts use {@link PostgresStateStore}.
 */
public final class FileStateStore implements StateStore {
    /** The audit trail of policy decisions, relative to the state dir. */
    public static final String DECISION_LOG = "decisions.jsonl";
    /** Anomalies the monitor found in the users' usage, relative to the state dir. */
    public static final String ANOMALY_LOG = "anomalies.jsonl";

    private final Path root;
    private final DecisionLog auditLog;
    private final AnomalyLog anomalyLog;

    public FileStateStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.auditLog = new DecisionLog(this.root.resolve(DECISION_LOG));
        this.anomalyLog = new AnomalyLog(this.root.resolve(ANOMALY_LOG));
    }

    Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "files in " + root;
    }

    /** Every profile version the loop published, one JSON line each (read by {@code foresight profile}). */
    public static String profileVersionsRef(String pool) {
        return "pools/" + pool + "/profiles/versions.jsonl";
    }


    Path resolve(String ref) {
        Path p = root.resolve(ref).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("reference '" + ref + "' points outside the state dir " + root);
        }
        return p;
    }

    @Override
    public boolean exists(String ref) {
        return Files.exists(resolve(ref));
    }

    @Override
    public void writeBytes(String ref, byte[] bytes) {
        Path target = resolve(ref);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(bytes);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            cache.remove(ref); // a value written by write() is remembered after this
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Appends one JSON line per value to a log under the state dir (created if missing). */
    private void appendLines(String ref, java.util.List<?> values) {
        Path target = resolve(ref);
        try {
            Files.createDirectories(target.getParent());
            StringBuilder b = new StringBuilder();
            for (Object v : values) {
                b.append(JSON.writeValueAsString(v)).append('\n');
            }
            Files.writeString(target, b, java.nio.charset.StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + target, e);
        }
    }

    /** Deletes a directory of old bulk data; missing is fine (already deleted by an earlier attempt). */
    @Override
    public void deleteTree(String ref) {
        Path dir = resolve(ref);
        cache.keySet().removeIf(k -> k.startsWith(ref + "/"));
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old cycle data " + dir, e);
        }
    }

    /**
     * The values this store wrote or read, by reference, with the file version they belong to: the next step of a cycle
     * on the same worker reads its input back without parsing it (JSON was most of a 10,000-user cycle's CPU). A file
     * another worker (or a retry) replaced since has another version (a new inode from the atomic rename, its time and
     * size), so it is parsed again; the values are soft references, so the cache never holds memory the heap needs.
     */
    private final java.util.Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_ENTRIES = 4096;

    private record Cached(Object version, java.lang.ref.SoftReference<Object> value) {}

    /** The file's version: inode, modification time and size (null if it does not exist). */
    private static Object version(Path p) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            return java.util.List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toMillis(), a.size());
        } catch (IOException e) {
            return null;
        }
    }

    private void remember(String ref, Path p, Object value) {
        Object v = version(p);
        if (v == null) {
            return;
        }
        if (cache.size() >= CACHE_ENTRIES) {
            cache.clear(); // old cycles' values; the current ones are read again from their files once
        }
        cache.put(ref, new Cached(v, new java.lang.ref.SoftReference<>(value)));
    }

    @Override
    public void write(String ref, Object value) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + ref, e);
        }
        writeBytes(ref, bytes);
        remember(ref, resolve(ref), value);
    }

    @Override
    public <T> T read(String ref, Class<T> type) {
        Path p = resolve(ref);
        Object version = version(p); // before the bytes are read: a file replaced meanwhile is not remembered as this one
        Cached c = cache.get(ref);
        if (c != null && version != null && c.version().equals(version)) {
            Object v = c.value().get();
            if (type.isInstance(v)) {
                return type.cast(v);
            }
        }
        T value = StateStore.super.read(ref, type);
        if (version != null) {
            cache.put(ref, new Cached(version, new java.lang.ref.SoftReference<>(value)));
        }
        return value;
    }

    @Override
    public byte[] readBytes(String ref) {
        Path p = resolve(ref);
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + " (written by an earlier step of the cycle?)", e);
        }
    }

    /** A retried policy check appends again; {@link DecisionLog#read} keeps the last record per change id. */
    @Override
    public void appendDecisions(java.util.List<DecisionRecord> records) {
        auditLog.append(records);
    }

    @Override
    public java.util.List<DecisionRecord> decisions(String user, int last) {
        return auditLog.read(user, last);
    }

    @Override
    public void appendAnomalies(java.util.Collection<Anomaly> anomalies) {
        anomalyLog.append(anomalies);
    }

    /** A monitor re-run after a crash may append the same anomalies again: one per key is read back. */
    @Override
    public java.util.List<Anomaly> anomalies(String user, long since) {
        java.util.Map<String, Anomaly> once = new java.util.LinkedHashMap<>();
        for (Anomaly a : anomalyLog.read(user, since)) {
            once.putIfAbsent(StateStore.anomalyKey(a), a);
        }
        return java.util.List.copyOf(once.values());
    }

    /** A retried predict appends the same versions again; {@link #profileVersions} keeps one per (user, version). */
    @Override
    public void publishProfiles(String pool, java.util.List<ProfileState> versions) {
        if (!versions.isEmpty()) {
            appendLines(profileVersionsRef(pool), versions);
        }
    }

    @Override
    public java.util.List<ProfileState> profileVersions(String pool) {
        Path p = resolve(profileVersionsRef(pool));
        if (!Files.exists(p)) {
            return java.util.List.of();
        }
        java.util.Map<String, ProfileState> out = new java.util.LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(p, java.nio.charset.StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    ProfileState s = JSON.readValue(line, ProfileState.class);
                    out.putIfAbsent(s.user() + "|" + s.version(), s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read profile versions " + p + ": " + e.getMessage(), e);
        }
        return java.util.List.copyOf(out.values());
    }

    /** The state dir, or the folder it will be made in, must be writable (nothing is created here). */
    @Override
    public void check() {
        Path p = root;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p) || !Files.isWritable(p)) {
            throw new StateStoreException("state directory " + root + " cannot be written (" + (p == null ? "no existing parent"
                    : p + (Files.isDirectory(p) ? " is not writable" : " is not a directory")) + "). Fix: check its "
                    + "permissions or set FORESIGHT_STATE_DIR", null);
        }
    }
}
