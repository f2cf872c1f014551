package io.foresight.activities.controlloop;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The loop's bulk data under the state dir, addressed by relative references (what activities return to
 * the workflow). Writes are atomic (temp file, fsync, rename), so a crashed worker leaves either the old
 * or the new file, and a retried activity simply overwrites its own output.
 */
final class StateStore {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    StateStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    static String cycleDir(String pool, long cycle) {
        return "pools/" + pool + "/cycles/" + String.format(java.util.Locale.ROOT, "%08d", cycle);
    }

    Path resolve(String ref) {
        Path p = root.resolve(ref).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("reference '" + ref + "' points outside the state dir " + root);
        }
        return p;
    }

    boolean exists(String ref) {
        return Files.exists(resolve(ref));
    }

    void write(String ref, Object value) {
        try {
            writeBytes(ref, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + ref, e);
        }
    }

    void writeBytes(String ref, byte[] bytes) {
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
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Appends one JSON line per value to a log under the state dir (created if missing). */
    void appendLines(String ref, java.util.List<?> values) {
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
    void deleteTree(String ref) {
        Path dir = resolve(ref);
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

    <T> T read(String ref, Class<T> type) {
        Path p = resolve(ref);
        try {
            return JSON.readValue(p.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + " (written by an earlier step of the cycle?)", e);
        }
    }
}
