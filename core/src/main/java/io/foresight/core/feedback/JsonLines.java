package io.foresight.core.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/** Append-only JSON-lines files: one JSON object per line, so writers never rewrite and readers can stream. */
final class JsonLines {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private JsonLines() {}

    static void append(Path file, Collection<?> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                for (Object r : records) {
                    w.write(MAPPER.writeValueAsString(r));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage()
                    + " (check the directory exists and is writable)", e);
        }
    }

    /** Reads the records that pass {@code keep}; a missing file is empty. A corrupt line fails naming it. */
    static <T> List<T> read(Path file, Class<T> type, Predicate<T> keep) {
        List<T> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        long line = 0;
        try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String s;
            while ((s = r.readLine()) != null) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                T t;
                try {
                    t = MAPPER.readValue(s, type);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException("corrupt line " + line + " in " + file + " (not a "
                            + type.getSimpleName() + " JSON object: " + e.getOriginalMessage()
                            + "); remove or repair that line", e);
                }
                if (keep.test(t)) {
                    out.add(t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }
}
