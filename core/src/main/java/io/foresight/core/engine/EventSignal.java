package io.foresight.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.EventColumns;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Interaction events as a leading signal (issue 11, item 4): a configuration change (a deploy) or a burst of API
 * calls comes before the usage it causes, so the interval after one is planned with more room. When the interval just
 * observed, or one within {@code holdSeconds} before it, has a <em>leading event</em>:
 * <ul>
 *   <li>at least {@code configChanges} configuration changes, or</li>
 *   <li>at least {@code apiBurstCalls} API calls and at least {@code apiBurstFactor} times the user's mean API calls
 *       per interval over the {@code baselineSeconds} before it,</li>
 * </ul>
 * each resource's upper bound becomes at least its peak over the last {@code peakSeconds} of usage and at least
 * {@code 1 + minRaise} times the model's bound. The raise is released when usage does not follow: if no interval in
 * the {@code followSeconds} after the event used more than {@code 1 + followRise} times the usage of the event's
 * interval, the event is spent; if usage followed, the raise holds for {@code holdSeconds} after the event (the model
 * has the new usage by then). The thresholds are data: {@code event-signal.json} next to this class.
 *
 * <p>Only intervals up to the last observed one are read, so nothing of the future is used. A history without event
 * columns (every public trace: none records interaction events) is returned unchanged.
 */
public final class EventSignal {
    /** The thresholds; see the class comment. */
    public record Config(int configChanges, int apiBurstCalls, double apiBurstFactor, long baselineSeconds,
                         long followSeconds, double followRise, long holdSeconds, long peakSeconds, double minRaise) {
        public Config {
            if (configChanges < 1 || apiBurstCalls < 1 || !(apiBurstFactor >= 1)) {
                throw new IllegalArgumentException("configChanges and apiBurstCalls must be >= 1 and apiBurstFactor >= 1, got "
                        + configChanges + ", " + apiBurstCalls + ", " + apiBurstFactor);
            }
            if (baselineSeconds <= 0 || followSeconds <= 0 || holdSeconds < followSeconds || peakSeconds <= 0) {
                throw new IllegalArgumentException("baselineSeconds, followSeconds, peakSeconds must be positive and"
                        + " holdSeconds >= followSeconds");
            }
            if (!(followRise >= 0) || !(minRaise >= 0)) {
                throw new IllegalArgumentException("followRise and minRaise must be >= 0, got " + followRise + ", " + minRaise);
            }
        }

        /** The bundled thresholds, {@code event-signal.json} next to this class. */
        public static Config bundled() {
            try (InputStream in = EventSignal.class.getResourceAsStream("event-signal.json")) {
                if (in == null) {
                    throw new IllegalStateException("event-signal.json is missing from the core jar");
                }
                return parse(new ObjectMapper().readTree(in), "bundled event-signal.json");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the bundled event-signal.json", e);
            }
        }

        static Config parse(JsonNode n, String where) {
            String[] fields = {"configChanges", "apiBurstCalls", "apiBurstFactor", "baselineSeconds", "followSeconds",
                    "followRise", "holdSeconds", "peakSeconds", "minRaise"};
            for (String f : fields) {
                if (!n.path(f).isNumber()) {
                    throw new IllegalArgumentException(where + ": '" + f + "' is missing or not a number. Fix: give every"
                            + " one of " + String.join(", ", fields));
                }
            }
            return new Config(n.get("configChanges").asInt(), n.get("apiBurstCalls").asInt(),
                    n.get("apiBurstFactor").asDouble(), n.get("baselineSeconds").asLong(), n.get("followSeconds").asLong(),
                    n.get("followRise").asDouble(), n.get("holdSeconds").asLong(), n.get("peakSeconds").asLong(),
                    n.get("minRaise").asDouble());
        }
    }

    private final Config config;

    public EventSignal(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public Config config() {
        return config;
    }

    /** The forecast made from {@code h} with the leading events in it; unchanged without events or a live one. */
    public Forecast adjust(Forecast f, UserHistory h) {
        UserSeries s = h.series();
        EventColumns events = s.events();
        int n = h.size();
        if (events == null || n == 0 || live(s, events, n) < 0) {
            return f;
        }
        int peakSteps = steps(config.peakSeconds(), s.stepSeconds());
        double[][] upper = new double[f.upper().length][];
        for (Resource r : Resource.values()) {
            int k = r.ordinal();
            double peak = max(s.usageColumn(r), Math.max(0, n - peakSteps), n);
            double[] row = f.upper()[k].clone();
            for (int step = 0; step < row.length; step++) {
                if (!Double.isNaN(row[step])) {
                    row[step] = Math.max(row[step] * (1 + config.minRaise()), Double.isNaN(peak) ? 0 : peak);
                }
            }
            upper[k] = row;
        }
        return new Forecast(f.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), f.point(), upper, f.model());
    }

    /**
     * The index of the latest leading event that still raises the bound after the first {@code n} intervals, or -1:
     * within {@code holdSeconds}, and within {@code followSeconds} unless usage followed it.
     */
    int live(UserSeries s, EventColumns events, int n) {
        int hold = steps(config.holdSeconds(), s.stepSeconds());
        int follow = steps(config.followSeconds(), s.stepSeconds());
        for (int e = n - 1; e >= Math.max(0, n - hold); e--) {
            if (!leading(s, events, e)) {
                continue;
            }
            int since = n - 1 - e;
            if (since < follow || followed(s, e, n)) {
                return e;
            }
        }
        return -1;
    }

    /** Whether interval {@code e} has a configuration change or a burst of API calls. */
    boolean leading(UserSeries s, EventColumns events, int e) {
        if (events.count(InteractionEvent.Kind.CONFIG_CHANGE, e) >= config.configChanges()) {
            return true;
        }
        int calls = events.count(InteractionEvent.Kind.API_CALL, e);
        if (calls < config.apiBurstCalls()) {
            return false;
        }
        int from = Math.max(0, e - steps(config.baselineSeconds(), s.stepSeconds()));
        double sum = 0;
        for (int i = from; i < e; i++) {
            sum += events.count(InteractionEvent.Kind.API_CALL, i);
        }
        double mean = e > from ? sum / (e - from) : 0;
        return calls >= config.apiBurstFactor() * mean;
    }

    /** Whether some resource's usage in (e, n) rose above {@code 1 + followRise} times its usage in interval e. */
    private boolean followed(UserSeries s, int e, int n) {
        int end = Math.min(n, e + 1 + steps(config.followSeconds(), s.stepSeconds()));
        for (Resource r : Resource.values()) {
            double[] u = s.usageColumn(r);
            double before = u[e];
            if (Double.isNaN(before)) {
                continue;
            }
            for (int i = e + 1; i < end; i++) {
                if (u[i] > before * (1 + config.followRise()) && u[i] > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int steps(long seconds, int stepSeconds) {
        return (int) Math.max(1, seconds / stepSeconds);
    }

    private static double max(double[] y, int from, int to) {
        double m = Double.NaN;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(y[i]) && (Double.isNaN(m) || y[i] > m)) {
                m = y[i];
            }
        }
        return m;
    }
}
