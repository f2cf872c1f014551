package io.foresight.core.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.Locale;

/**
 * Jackson mapping of {@link ResourceVector} as {@code {"cpu":..,"memory":..,"network":..,"disk":..}}.
 * NaN (not known) is written as null and read back as NaN, so files stay standard JSON.
 * A missing key reads as 0, an unknown key is an error naming the allowed keys.
 */
public final class ResourceVectorJson {
    private ResourceVectorJson() {
    }

    public static SimpleModule module() {
        SimpleModule m = new SimpleModule("foresight-resource-vector");
        m.addSerializer(ResourceVector.class, new JsonSerializer<>() {
            @Override
            public void serialize(ResourceVector v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartObject();
                for (Resource r : Resource.values()) {
                    double x = v.get(r);
                    g.writeFieldName(r.name().toLowerCase(Locale.ROOT));
                    if (Double.isNaN(x)) {
                        g.writeNull();
                    } else {
                        g.writeNumber(x);
                    }
                }
                g.writeEndObject();
            }
        });
        m.addDeserializer(ResourceVector.class, new JsonDeserializer<>() {
            @Override
            public ResourceVector deserialize(JsonParser p, DeserializationContext c) throws IOException {
                JsonNode n = p.readValueAsTree();
                return fromNode(n);
            }
        });
        return m;
    }

    /** Reads a vector from a JSON object node; see the class comment for the format. */
    public static ResourceVector fromNode(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a resource vector must be a JSON object like "
                    + "{\"cpu\":2,\"memory\":4,\"network\":10,\"disk\":10}, got " + n);
        }
        double[] v = new double[Resource.COUNT];
        var it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            Resource r = Resource.parse(e.getKey());
            JsonNode x = e.getValue();
            if (x.isNull()) {
                v[r.ordinal()] = Double.NaN;
            } else if (x.isNumber()) {
                v[r.ordinal()] = x.doubleValue();
            } else {
                throw new IllegalArgumentException("resource '" + e.getKey() + "' must be a number, got " + x);
            }
        }
        return ResourceVector.of(v);
    }
}
