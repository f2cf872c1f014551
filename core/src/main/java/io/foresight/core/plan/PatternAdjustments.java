package io.foresight.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.ResourceVectorJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-pattern planning adjustments, as data: extra headroom per resource (a fraction added to the
 * planner's headroom) and whether the pattern gets network priority. Network priority (also given to
 * users who ask for real-time service) adds {@code networkPriorityHeadroom} on network and multiplies
 * the network scale-down hold by {@code networkPriorityHoldFactor}, so latency-sensitive users are
 * slow to lose bandwidth. The bundled table is {@code pattern-adjustments.json} next to this class.
 */
public final class PatternAdjustments {
    /** The adjustment of one pattern. */
    public record Entry(ResourceVector extraHeadroom, boolean networkPriority) {
        public Entry {
            Objects.requireNonNull(extraHeadroom, "extraHeadroom");
            for (Resource r : Resource.values()) {
                double x = extraHeadroom.get(r);
                if (!(x >= 0)) {
                    throw new IllegalArgumentException("extra headroom for " + r + " must be >= 0, got " + x);
                }
            }
        }
    }

    public static final Entry NEUTRAL = new Entry(ResourceVector.ZERO, false);
    public static final PatternAdjustments NONE = new PatternAdjustments(Map.of(), 0, 1);

    private final Map<Pattern, Entry> entries;
    private final double networkPriorityHeadroom;
    private final int networkPriorityHoldFactor;

    public PatternAdjustments(Map<Pattern, Entry> entries, double networkPriorityHeadroom, int networkPriorityHoldFactor) {
        this.entries = new EnumMap<>(Pattern.class);
        this.entries.putAll(Objects.requireNonNull(entries, "entries"));
        if (!(networkPriorityHeadroom >= 0) || networkPriorityHoldFactor < 1) {
            throw new IllegalArgumentException("networkPriorityHeadroom must be >= 0 and networkPriorityHoldFactor >= 1");
        }
        this.networkPriorityHeadroom = networkPriorityHeadroom;
        this.networkPriorityHoldFactor = networkPriorityHoldFactor;
    }

    public Entry of(Pattern p) {
        return entries.getOrDefault(p, NEUTRAL);
    }

    /** Total extra headroom for resource r of a user with pattern p (realTime: the user asked for it). */
    public double extraHeadroom(Pattern p, boolean realTime, Resource r) {
        Entry e = of(p);
        double x = e.extraHeadroom().get(r);
        if (r == Resource.NETWORK && (realTime || e.networkPriority())) {
            x += networkPriorityHeadroom;
        }
        return x;
    }

    /** Scale-down hold for resource r, stretched for network-priority users. */
    public int scaleDownHold(Pattern p, boolean realTime, Resource r, int baseHold) {
        if (r == Resource.NETWORK && (realTime || of(p).networkPriority())) {
            return baseHold * networkPriorityHoldFactor;
        }
        return baseHold;
    }

    /** The table shipped with Foresight. */
    public static PatternAdjustments bundled() {
        try (InputStream in = PatternAdjustments.class.getResourceAsStream("pattern-adjustments.json")) {
            if (in == null) {
                throw new IllegalStateException("pattern-adjustments.json is missing from the core jar");
            }
            return parse(new ObjectMapper().readTree(in), "bundled pattern-adjustments.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PatternAdjustments load(Path file) {
        try {
            return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pattern adjustments " + file + ": " + e.getMessage(), e);
        }
    }

    static PatternAdjustments parse(JsonNode root, String source) {
        try {
            Map<Pattern, Entry> m = new EnumMap<>(Pattern.class);
            JsonNode patterns = root.path("patterns");
            var it = patterns.fields();
            while (it.hasNext()) {
                var e = it.next();
                Pattern p;
                try {
                    p = Pattern.valueOf(e.getKey());
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException("unknown pattern '" + e.getKey() + "'; use one of "
                            + java.util.Arrays.toString(Pattern.values()));
                }
                JsonNode v = e.getValue();
                ResourceVector extra = v.has("extraHeadroom") ? ResourceVectorJson.fromNode(v.get("extraHeadroom"))
                        : ResourceVector.ZERO;
                m.put(p, new Entry(extra, v.path("networkPriority").asBoolean(false)));
            }
            return new PatternAdjustments(m, root.path("networkPriorityHeadroom").asDouble(0),
                    root.path("networkPriorityHoldFactor").asInt(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }
}
