package io.foresight.collect.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.UserSeries;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns one JSON record into a domain record or a {@link FieldError} naming the field. Every
 * field is checked: type, presence, range, and unknown fields (typos must not pass silently).
 */
final class RecordParser {
    static final int MAX_TEXT = 256;
    static final int MAX_ATTRIBUTES = 64;
    static final int MAX_DEPENDENCIES = 1000;
    /** Timestamps before 2000-01-01 are almost certainly milliseconds sent as seconds. */
    static final long MIN_EPOCH = 946_684_800L;
    /** Allowed clock skew into the future. */
    static final long MAX_FUTURE_SECONDS = 86_400L;

    private static final Set<String> EXECUTION_FIELDS = Set.of("job_id", "program", "user", "group", "queue", "submit",
            "start", "end", "resources", "status", "depends_on");
    private static final Set<String> EVENT_FIELDS = Set.of("kind", "user", "timestamp", "attributes");
    private static final Set<String> USAGE_FIELDS = Set.of("user", "timestamp", "step", "usage", "capacity");
    /** A usage sample covers at most a day: longer averages are not usage for a 5-minute planner. */
    static final int MAX_USAGE_STEP = 86_400;

    /** Thrown inside the parser; turned into a FieldError for the record. */
    static final class Invalid extends Exception {
        final String field;

        Invalid(String field, String message) {
            super(message);
            this.field = field;
        }
    }

    private final long nowSeconds;
    private final PlausibleLimits limits;

    RecordParser(long nowSeconds) {
        this(nowSeconds, PlausibleLimits.defaults());
    }

    RecordParser(long nowSeconds, PlausibleLimits limits) {
        this.nowSeconds = nowSeconds;
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    ExecutionRecord execution(JsonNode n, String path) throws Invalid {
        requireObject(n, path, EXECUTION_FIELDS);
        String jobId = text(n, path, "job_id", true);
        if (jobId.contains(",")) {
            throw new Invalid(path + ".job_id", "must not contain ','");
        }
        String program = text(n, path, "program", true);
        String user = text(n, path, "user", true);
        String group = text(n, path, "group", false);
        String queue = text(n, path, "queue", false);
        long start = time(n, path, "start");
        long end = time(n, path, "end");
        long submit = n.has("submit") ? time(n, path, "submit") : start;
        if (end < start) {
            throw new Invalid(path + ".end", "is before start (" + end + " < " + start + ")");
        }
        if (submit > start) {
            throw new Invalid(path + ".submit", "is after start (" + submit + " > " + start + ")");
        }
        if (end - start > limits.maxRuntimeSeconds()) {
            throw new Invalid(path + ".end", "the job ran " + days(end - start) + " days, more than the plausible maximum of "
                    + days(limits.maxRuntimeSeconds()) + " days (" + PlausibleLimits.ENV_RUNTIME
                    + "): check the start and end times");
        }
        if (start - submit > limits.maxRuntimeSeconds()) {
            throw new Invalid(path + ".submit", "the job waited " + days(start - submit) + " days before it started, more than"
                    + " the plausible maximum of " + days(limits.maxRuntimeSeconds()) + " days ("
                    + PlausibleLimits.ENV_RUNTIME + "): check the submit time");
        }
        ResourceVector res = resources(n.get("resources"), path + ".resources");
        ExecutionRecord.Status status = ExecutionRecord.Status.COMPLETED;
        if (n.has("status")) {
            String s = text(n, path, "status", true);
            try {
                status = ExecutionRecord.Status.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Invalid(path + ".status", "unknown status '" + s + "': use completed, failed, cancelled, partial or unknown");
            }
        }
        List<String> deps = new ArrayList<>();
        JsonNode d = n.get("depends_on");
        if (d != null && !d.isNull()) {
            if (!d.isArray()) {
                throw new Invalid(path + ".depends_on", "must be an array of job ids");
            }
            if (d.size() > MAX_DEPENDENCIES) {
                throw new Invalid(path + ".depends_on", "has " + d.size() + " entries, at most " + MAX_DEPENDENCIES);
            }
            for (int i = 0; i < d.size(); i++) {
                JsonNode x = d.get(i);
                if (!x.isTextual() || x.asText().isBlank() || x.asText().contains(",")) {
                    throw new Invalid(path + ".depends_on[" + i + "]", "must be a non-blank job id string without ','");
                }
                deps.add(x.asText());
            }
        }
        return new ExecutionRecord(jobId, user, group, program, queue, submit, start, end, res, status, deps);
    }

    InteractionEvent event(JsonNode n, String path) throws Invalid {
        requireObject(n, path, EVENT_FIELDS);
        String k = text(n, path, "kind", true);
        InteractionEvent.Kind kind;
        try {
            kind = InteractionEvent.Kind.parse(k);
        } catch (IllegalArgumentException e) {
            throw new Invalid(path + ".kind", e.getMessage());
        }
        String user = text(n, path, "user", true);
        long millis = timeMillis(n, path, "timestamp");
        Map<String, String> attrs = new LinkedHashMap<>();
        JsonNode a = n.get("attributes");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                throw new Invalid(path + ".attributes", "must be an object of string values");
            }
            if (a.size() > MAX_ATTRIBUTES) {
                throw new Invalid(path + ".attributes", "has " + a.size() + " keys, at most " + MAX_ATTRIBUTES);
            }
            Iterator<Map.Entry<String, JsonNode>> it = a.fields();
            while (it.hasNext()) {
                var e = it.next();
                JsonNode v = e.getValue();
                String f = path + ".attributes." + e.getKey();
                if (e.getKey().isBlank() || e.getKey().length() > MAX_TEXT) {
                    throw new Invalid(f, "attribute names must be 1.." + MAX_TEXT + " characters");
                }
                if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
                    throw new Invalid(f, "must be a string, number or boolean (got " + v.getNodeType().name().toLowerCase(Locale.ROOT) + ")");
                }
                if (v.asText().length() > 4 * MAX_TEXT) {
                    throw new Invalid(f, "is longer than " + 4 * MAX_TEXT + " characters");
                }
                attrs.put(e.getKey(), v.asText());
            }
        }
        return new InteractionEvent(kind, user, millis, attrs);
    }

    /**
     * One usage sample: what a user used over {@code step} seconds (default 300) from {@code timestamp}, and what was
     * provisioned ({@code capacity}, optional), as a one-interval series.
     */
    UserSeries usage(JsonNode n, String path) throws Invalid {
        requireObject(n, path, USAGE_FIELDS);
        String user = text(n, path, "user", true);
        long ts = time(n, path, "timestamp");
        int step = 300;
        JsonNode st = n.get("step");
        if (st != null && !st.isNull()) {
            if (!st.canConvertToInt() || !st.isIntegralNumber() || st.asInt() < 1 || st.asInt() > MAX_USAGE_STEP) {
                throw new Invalid(path + ".step", "must be whole seconds in [1, " + MAX_USAGE_STEP + "] (got " + st + ")");
            }
            step = st.asInt();
        }
        ResourceVector use = resources(n.get("usage"), path + ".usage");
        JsonNode c = n.get("capacity");
        ResourceVector cap = c == null || c.isNull() ? null : resources(c, path + ".capacity");
        double[][] u = new double[Resource.COUNT][1];
        double[][] k = new double[Resource.COUNT][1];
        for (Resource r : Resource.values()) {
            u[r.ordinal()][0] = use.get(r);
            k[r.ordinal()][0] = cap == null ? Double.NaN : cap.get(r);
        }
        return new UserSeries(user, step, new long[] {ts}, u, k);
    }

    private static void requireObject(JsonNode n, String path, Set<String> allowed) throws Invalid {
        if (n == null || !n.isObject()) {
            throw new Invalid(path, "must be a JSON object");
        }
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!allowed.contains(f)) {
                throw new Invalid(path + "." + f, "unknown field (allowed: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String text(JsonNode n, String path, String field, boolean required) throws Invalid {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new Invalid(path + "." + field, "is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new Invalid(path + "." + field, "must be a string (got " + v.getNodeType().name().toLowerCase(Locale.ROOT) + ")");
        }
        String s = v.asText();
        if (s.isBlank()) {
            throw new Invalid(path + "." + field, "must not be blank");
        }
        if (s.length() > MAX_TEXT) {
            throw new Invalid(path + "." + field, "is longer than " + MAX_TEXT + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new Invalid(path + "." + field, "contains a control character");
            }
        }
        return s;
    }

    /** Unix seconds (number) or an ISO-8601 instant string. */
    private long time(JsonNode n, String path, String field) throws Invalid {
        return timeMillis(n, path, field) / 1000;
    }

    private long timeMillis(JsonNode n, String path, String field) throws Invalid {
        JsonNode v = n.get(field);
        String f = path + "." + field;
        if (v == null || v.isNull()) {
            throw new Invalid(f, "is required");
        }
        long millis;
        if (v.isNumber()) {
            double s = v.asDouble();
            if (!Double.isFinite(s)) {
                throw new Invalid(f, "must be a finite number of Unix seconds");
            }
            millis = Math.round(s * 1000);
        } else if (v.isTextual()) {
            try {
                millis = Instant.parse(v.asText()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new Invalid(f, "'" + v.asText() + "' is not an ISO-8601 instant like 2026-11-28T02:00:00Z");
            }
        } else {
            throw new Invalid(f, "must be Unix seconds or an ISO-8601 instant string");
        }
        if (millis < MIN_EPOCH * 1000) {
            throw new Invalid(f, "is before 2000-01-01 (" + millis / 1000 + "): send Unix seconds, not milliseconds or a relative time");
        }
        if (millis > (nowSeconds + MAX_FUTURE_SECONDS) * 1000) {
            throw new Invalid(f, "is more than a day in the future (" + millis / 1000 + "): send Unix seconds, not milliseconds");
        }
        return millis;
    }

    private static String days(long seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds / 86_400.0);
    }

    private ResourceVector resources(JsonNode n, String path) throws Invalid {
        if (n == null || n.isNull()) {
            throw new Invalid(path, "is required (at least {\"cpu\": cores})");
        }
        if (!n.isObject()) {
            throw new Invalid(path, "must be an object like {\"cpu\": 2, \"memory\": 4.5}");
        }
        double[] v = new double[Resource.COUNT];
        java.util.Arrays.fill(v, Double.NaN);
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            String f = path + "." + e.getKey();
            Resource r;
            try {
                r = Resource.parse(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new Invalid(f, ex.getMessage());
            }
            JsonNode x = e.getValue();
            if (!x.isNumber() || !Double.isFinite(x.asDouble())) {
                throw new Invalid(f, "must be a finite number in " + r.unit());
            }
            if (x.asDouble() < 0) {
                throw new Invalid(f, "must not be negative (" + x.asDouble() + ")");
            }
            if (x.asDouble() > limits.max(r)) {
                throw new Invalid(f, x.asDouble() + " " + r.unit() + " is above the plausible maximum of " + limits.max(r)
                        + " " + r.unit() + " (" + PlausibleLimits.envName(r) + "): check the unit, or raise the limit if the value is real");
            }
            v[r.ordinal()] = x.asDouble();
        }
        if (Double.isNaN(v[Resource.CPU.ordinal()])) {
            throw new Invalid(path + ".cpu", "is required (cores used)");
        }
        return ResourceVector.of(v);
    }
}
