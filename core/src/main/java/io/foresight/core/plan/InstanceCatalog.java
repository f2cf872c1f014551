package io.foresight.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The instance types a pool may use. Bundled: {@code /instance-types.json} (documented list prices). */
public final class InstanceCatalog {
    private final List<InstanceType> types;

    public InstanceCatalog(List<InstanceType> types) {
        Objects.requireNonNull(types, "types");
        if (types.isEmpty()) {
            throw new IllegalArgumentException("an instance catalog needs at least one type");
        }
        var names = new HashSet<String>();
        for (InstanceType t : types) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("instance type '" + t.name() + "' is listed twice");
            }
        }
        this.types = List.copyOf(types);
    }

    public List<InstanceType> types() {
        return types;
    }

    public Optional<InstanceType> type(String name) {
        return types.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public double maxVcpu() {
        return types.stream().mapToDouble(InstanceType::vcpu).max().orElseThrow();
    }

    public double maxMemoryGiB() {
        return types.stream().mapToDouble(InstanceType::memoryGiB).max().orElseThrow();
    }

    public static InstanceCatalog bundled() {
        try (InputStream in = InstanceCatalog.class.getResourceAsStream("/instance-types.json")) {
            if (in == null) {
                throw new IllegalStateException("instance-types.json is missing from the core jar");
            }
            return parse(new ObjectMapper().readTree(in), "bundled instance-types.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static InstanceCatalog load(Path file) {
        try {
            return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read instance catalog " + file + ": " + e.getMessage(), e);
        }
    }

    static InstanceCatalog parse(JsonNode root, String source) {
        JsonNode arr = root.path("types");
        if (!arr.isArray()) {
            throw new IllegalArgumentException(source + ": expected {\"types\": [ {name, vcpu, memoryGiB, onDemandHourly, spotHourly}, ...]}");
        }
        List<InstanceType> out = new ArrayList<>();
        for (JsonNode t : arr) {
            for (String f : List.of("name", "vcpu", "memoryGiB", "onDemandHourly", "spotHourly")) {
                if (!t.hasNonNull(f)) {
                    throw new IllegalArgumentException(source + ": instance type " + t + " lacks '" + f + "'");
                }
            }
            try {
                out.add(new InstanceType(t.get("name").asText(), t.get("vcpu").asDouble(), t.get("memoryGiB").asDouble(),
                        t.get("onDemandHourly").asDouble(), t.get("spotHourly").asDouble()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        }
        return new InstanceCatalog(out);
    }
}
