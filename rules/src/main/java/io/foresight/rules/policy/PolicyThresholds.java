package io.foresight.rules.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.ResourceVectorJson;
import io.foresight.core.model.Tier;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The numbers the policy rules compare against, as a fact in the rule session. Loaded from
 * {@code thresholds.json} next to the DRL files; the rules hold no literals. Limits are validated on
 * load (minimum &lt;= maximum, user limits inside a consistent range) so clamping rules cannot fight.
 */
public final class PolicyThresholds {
    /** A freeze window: on the given days (UTC), from {@code from} (inclusive) to {@code to} (exclusive). */
    public record FreezeWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to) {
        boolean contains(ZonedDateTime t) {
            if (!days.contains(t.getDayOfWeek())) {
                return false;
            }
            LocalTime x = t.toLocalTime();
            return !x.isBefore(from) && (to.equals(LocalTime.MIDNIGHT) || x.isBefore(to));
        }
    }

    private final Map<Tier, ResourceVector> tierMin = new EnumMap<>(Tier.class);
    private final Map<Tier, ResourceVector> tierMax = new EnumMap<>(Tier.class);
    private final Map<String, ResourceVector> userMin = new HashMap<>();
    private final Map<String, ResourceVector> userMax = new HashMap<>();
    private final Map<String, double[]> teamBudget = new HashMap<>();
    private double[] defaultTeamBudget = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    private double maxStepFraction;
    private double maxStepDownFraction;
    private double maxAboveForecastPeak = Double.NaN;
    private ResourceVector minStep = ResourceVector.ZERO;
    private double approvalCostDeltaPerHour;
    private final List<FreezeWindow> freezeWindows = new ArrayList<>();
    private final Set<Pattern> spotPatterns = EnumSet.noneOf(Pattern.class);
    private final Set<Tier> spotTiers = EnumSet.noneOf(Tier.class);

    private PolicyThresholds() {
    }

    public ResourceVector tierMin(Tier t) {
        return tierMin.get(t);
    }

    public ResourceVector tierMax(Tier t) {
        return tierMax.get(t);
    }

    /** The user's own minimum, or null when the user has none. */
    public ResourceVector userMin(String user) {
        return userMin.get(user);
    }

    /** The user's own maximum, or null when the user has none. */
    public ResourceVector userMax(String user) {
        return userMax.get(user);
    }

    public double teamMaxCostPerHour(String team) {
        return teamBudget.getOrDefault(team, defaultTeamBudget)[0];
    }

    public double teamMaxCostPerDay(String team) {
        return teamBudget.getOrDefault(team, defaultTeamBudget)[1];
    }

    public double maxStepFraction() {
        return maxStepFraction;
    }

    public ResourceVector minStep() {
        return minStep;
    }

    /** Largest share of the current allocation a scale-down may remove in one step (defaults to maxStepFraction). */
    public double maxStepDownFraction() {
        return maxStepDownFraction;
    }

    /** The largest allowed increase of resource r from {@code current} in one step. */
    public double maxStep(Resource r, double current) {
        return Math.max(minStep.get(r), maxStepFraction * current);
    }

    /** The largest allowed decrease of resource r from {@code current} in one step. */
    public double maxStepDown(Resource r, double current) {
        return Math.max(minStep.get(r), maxStepDownFraction * current);
    }

    /** True if a scale-up backed by the forecast may go past the step limit ({@code scaleUpToForecast}). */
    public boolean scaleUpToForecast() {
        return !Double.isNaN(maxAboveForecastPeak);
    }

    /**
     * How far above the forecast peak a scale-up past the step limit may go, as a fraction (0.5: up to
     * 1.5 times the peak, room for the planner's headroom); NaN when {@code scaleUpToForecast} is off.
     */
    public double maxAboveForecastPeak() {
        return maxAboveForecastPeak;
    }

    public double approvalCostDeltaPerHour() {
        return approvalCostDeltaPerHour;
    }

    public boolean inFreezeWindow(long at) {
        ZonedDateTime t = Instant.ofEpochSecond(at).atZone(ZoneOffset.UTC);
        for (FreezeWindow w : freezeWindows) {
            if (w.contains(t)) {
                return true;
            }
        }
        return false;
    }

    public boolean spotAllowed(Pattern p, Tier t) {
        return spotPatterns.contains(p) && spotTiers.contains(t);
    }

    /** Hours left in the UTC day of {@code at}, for daily budgets. */
    public static double hoursLeftInDay(long at) {
        return (86400 - Math.floorMod(at, 86400)) / 3600.0;
    }

    // ---- loading ----

    /** Thrown for a thresholds file that cannot be used; carries the line when the JSON itself is bad. */
    public static final class InvalidThresholdsException extends IllegalArgumentException {
        private final int line;

        InvalidThresholdsException(String message, int line, Throwable cause) {
            super(message, cause);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    public static PolicyThresholds parse(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new InvalidThresholdsException(e.getOriginalMessage(), line, e);
        }
        try {
            return fromTree(root);
        } catch (IllegalArgumentException e) {
            throw new InvalidThresholdsException(e.getMessage(), 0, e);
        }
    }

    private static PolicyThresholds fromTree(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("thresholds must be a JSON object");
        }
        PolicyThresholds t = new PolicyThresholds();
        JsonNode tiers = require(root, "tiers");
        for (Tier tier : Tier.values()) {
            JsonNode n = tiers.get(tier.name());
            if (n == null) {
                throw new IllegalArgumentException("tiers." + tier.name() + " is missing: every tier needs min and max");
            }
            ResourceVector min = ResourceVectorJson.fromNode(require(n, "min"));
            ResourceVector max = ResourceVectorJson.fromNode(require(n, "max"));
            checkRange("tiers." + tier.name(), min, max);
            t.tierMin.put(tier, min);
            t.tierMax.put(tier, max);
        }
        var users = root.path("users").fields();
        while (users.hasNext()) {
            var e = users.next();
            // keys left out of a user's limit mean "no user limit" for that resource
            ResourceVector min = e.getValue().has("min") ? partial(e.getValue().get("min"), 0) : null;
            ResourceVector max = e.getValue().has("max") ? partial(e.getValue().get("max"), Double.POSITIVE_INFINITY) : null;
            // a user limit must lie inside every tier's range, so user and tier clamps agree whatever the user's tier
            for (Tier tier : Tier.values()) {
                ResourceVector lo = min == null ? t.tierMin.get(tier) : min.max(t.tierMin.get(tier));
                ResourceVector hi = max == null ? t.tierMax.get(tier)
                        : max.combine(t.tierMax.get(tier), Math::min);
                checkRange("users." + e.getKey() + " within tier " + tier, lo, hi);
            }
            if (min != null) {
                t.userMin.put(e.getKey(), min);
            }
            if (max != null) {
                t.userMax.put(e.getKey(), max);
            }
        }
        var teams = root.path("teams").fields();
        while (teams.hasNext()) {
            var e = teams.next();
            t.teamBudget.put(e.getKey(), budget("teams." + e.getKey(), e.getValue()));
        }
        if (root.has("defaultTeam")) {
            t.defaultTeamBudget = budget("defaultTeam", root.get("defaultTeam"));
        }
        t.maxStepFraction = positive(root, "maxStepFraction");
        t.maxStepDownFraction = root.has("maxStepDownFraction") ? positive(root, "maxStepDownFraction") : t.maxStepFraction;
        if (root.has("scaleUpToForecast")) {
            JsonNode f = root.get("scaleUpToForecast");
            double above = require(f, "maxAboveForecastPeak").asDouble(Double.NaN);
            if (!(above >= 0) || Double.isInfinite(above)) {
                throw new IllegalArgumentException("scaleUpToForecast.maxAboveForecastPeak must be a number >= 0 (0.5: up to 1.5 times "
                        + "the forecast peak), got " + f.get("maxAboveForecastPeak"));
            }
            t.maxAboveForecastPeak = above;
        }
        t.minStep = ResourceVectorJson.fromNode(require(root, "minStep"));
        t.approvalCostDeltaPerHour = positive(root, "approvalCostDeltaPerHour");
        for (JsonNode w : root.path("freezeWindows")) {
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            for (JsonNode d : require(w, "days")) {
                try {
                    days.add(DayOfWeek.valueOf(d.asText().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException("freeze window day '" + d.asText() + "' is not a day of the week (MONDAY..SUNDAY)");
                }
            }
            t.freezeWindows.add(new FreezeWindow(days, time(require(w, "from").asText()), time(require(w, "to").asText())));
        }
        for (JsonNode p : root.path("spotPatterns")) {
            t.spotPatterns.add(Pattern.valueOf(p.asText()));
        }
        for (JsonNode p : root.path("spotTiers")) {
            t.spotTiers.add(Tier.valueOf(p.asText()));
        }
        return t;
    }

    private static ResourceVector partial(JsonNode n, double missing) {
        double[] v = new double[Resource.COUNT];
        java.util.Arrays.fill(v, missing);
        ResourceVector given = ResourceVectorJson.fromNode(n);
        var it = n.fieldNames();
        while (it.hasNext()) {
            Resource r = Resource.parse(it.next());
            v[r.ordinal()] = given.get(r);
        }
        return ResourceVector.of(v);
    }

    private static LocalTime time(String s) {
        if (s.equals("24:00")) {
            return LocalTime.MIDNIGHT;
        }
        try {
            return LocalTime.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("freeze window time '" + s + "' must be HH:MM (UTC)");
        }
    }

    private static double[] budget(String where, JsonNode n) {
        double h = n.path("maxCostPerHour").asDouble(Double.POSITIVE_INFINITY);
        double d = n.path("maxCostPerDay").asDouble(Double.POSITIVE_INFINITY);
        if (!(h > 0) || !(d > 0)) {
            throw new IllegalArgumentException(where + ": maxCostPerHour and maxCostPerDay must be > 0");
        }
        return new double[] {h, d};
    }

    private static JsonNode require(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("'" + field + "' is missing in " + n);
        }
        return v;
    }

    private static double positive(JsonNode root, String field) {
        double v = require(root, field).asDouble(Double.NaN);
        if (!(v > 0)) {
            throw new IllegalArgumentException("'" + field + "' must be a number > 0, got " + root.get(field));
        }
        return v;
    }

    private static void checkRange(String where, ResourceVector min, ResourceVector max) {
        for (Resource r : Resource.values()) {
            double lo = min.get(r);
            double hi = max.get(r);
            if (!(lo >= 0) || !(hi >= lo)) {
                throw new IllegalArgumentException(where + ": " + r.name().toLowerCase(Locale.ROOT) + " needs 0 <= min <= max, got min "
                        + lo + " max " + hi);
            }
        }
    }
}
