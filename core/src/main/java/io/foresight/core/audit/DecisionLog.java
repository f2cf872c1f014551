package io.foresight.core.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.ResourceVectorJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Append-only JSON-lines file of {@link DecisionRecord}s. Each append writes whole lines and forces
 * them to disk. When reading, a torn last line (a crash in the middle of a write) is skipped; any
 * other malformed line is an error naming file and line.
 */
public final class DecisionLog {
    private static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .addModule(ResourceVectorJson.module())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            // a loop appends a record per changing user per cycle: the fast (exact, round-tripping) double writer and
            // parser keep that from being most of a large pool's policy stage
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private final Path file;

    public DecisionLog(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    public static String toJson(DecisionRecord r) {
        try {
            return MAPPER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise decision record of " + r.user(), e);
        }
    }

    public static DecisionRecord fromJson(String line) throws JsonProcessingException {
        return MAPPER.readValue(line, DecisionRecord.class);
    }

    /** Records from which an append serialises in parallel (below, the fork costs more than it saves). */
    private static final int PARALLEL_FROM = 512;

    public synchronized void append(List<DecisionRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        // a large pool's cycle appends a record per changing user (10,000 at 10,000 users): its JSON is made on every
        // core, the lines kept in the records' order, so the file reads the same as written one by one
        List<String> lines = records.size() < PARALLEL_FROM ? records.stream().map(DecisionLog::toJson).toList()
                : records.parallelStream().map(DecisionLog::toJson).toList();
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(StandardCharsets.UTF_8.encode(sb.toString()));
                ch.force(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to decision log " + file + ": " + e.getMessage(), e);
        }
    }

    /** All records, oldest first. */
    public List<DecisionRecord> readAll() {
        return read(null, 0);
    }

    /**
     * @param user only this user's records (null: all)
     * @param last only the newest {@code last} matching records (0 or less: all)
     */
    public List<DecisionRecord> read(String user, int last) {
        if (!Files.exists(file)) {
            return List.of();
        }
        // A retried policy check appends its decisions again: the last record per (pool, cycle, user) wins.
        java.util.LinkedHashMap<String, DecisionRecord> out = new java.util.LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            String pendingBad = null;
            int n = 0;
            int badLine = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (pendingBad != null) {
                    throw new IllegalStateException(file + ":" + badLine + ": malformed decision record: " + pendingBad);
                }
                if (line.isBlank()) {
                    continue;
                }
                DecisionRecord r;
                try {
                    r = fromJson(line);
                } catch (JsonProcessingException e) {
                    pendingBad = e.getOriginalMessage();
                    badLine = n;
                    continue;
                }
                if (user == null || user.equals(r.user())) {
                    String key = r.pool() + "\u0000" + r.cycle() + "\u0000" + r.user();
                    out.remove(key);
                    out.put(key, r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read decision log " + file + ": " + e.getMessage(), e);
        }
        List<DecisionRecord> all = new ArrayList<>(out.values());
        return last > 0 && all.size() > last ? all.subList(all.size() - last, all.size()) : all;
    }
}
