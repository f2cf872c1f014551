package io.foresight.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Edits of the JSON-lines logs that several pools share (decisions, anomalies): removing one pool's lines must
 * leave every other line as it was.
 */
public final class JsonLineFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLineFiles() {
    }

    /**
     * Removes the lines whose top-level {@code field} is one of {@code values}, replacing the file atomically. Lines
     * that are not JSON objects (a torn last line) are kept: they are not provably the caller's.
     *
     * @return the number of lines removed (0 when the file does not exist)
     */
    public static int removeWhere(Path file, String field, Collection<String> values) {
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            List<String> kept = new ArrayList<>();
            int removed = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (matches(line, field, values)) {
                    removed++;
                } else {
                    kept.add(line);
                }
            }
            if (removed > 0) {
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, kept, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return removed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean matches(String line, String field, Collection<String> values) {
        try {
            JsonNode n = MAPPER.readTree(line);
            return n != null && n.isObject() && n.path(field).isTextual() && values.contains(n.path(field).asText());
        } catch (IOException e) {
            return false;
        }
    }
}
