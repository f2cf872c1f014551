package io.foresight.core.engine;

import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.UserProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps each user's profile current as the cycles run, from the same history the forecaster reads:
 * <ul>
 *   <li><b>pattern</b>: every {@code everySeconds} (staggered per user so a pool's users do not all recompute in
 *       the same cycle) the user's last {@code windowSeconds} of usage are summarized with {@link UserFeatures}
 *       and named by {@link PatternRules}; the published pattern moves to a new label once the last
 *       {@code confirm} evaluations agree on it (one odd day does not flip a user); the <b>confidence</b> is the
 *       share of the last {@code votes} evaluations that agree with the published pattern (with a served
 *       classifier: the mean of that share and the classifier's score of the published pattern);</li>
 *   <li><b>need</b>: next hour (the forecast's upper bound and the same hour of the day before, whichever is
 *       higher) and the coming day's peak (the last 24 hours' peak: seasonal naive);</li>
 *   <li><b>team, tier, spot</b> from the {@link UserDirectory}; spot eligible when policy allows it, the pattern
 *       tolerates interruption and the confidence is at least {@code spotConfidence}.</li>
 * </ul>
 * A new version is published only for a material change (pattern, team, tier, spot eligibility, confidence by
 * {@code confidenceStep}, a need by more than {@code needChange} of the last published value), so versions mark
 * changes of behaviour, not noise. Deterministic in the history's time, so both drivers publish the same versions.
 */
public final class Profiler {
    /** The version of the pattern model recorded with each profile version. */
    public static final String PATTERN_MODEL = "pattern-rules/1";

    public record Config(int everySeconds, int windowSeconds, int confirm, int votes, double confidenceStep,
                         double needChange, double spotConfidence) {
        public Config {
            if (everySeconds <= 0 || windowSeconds <= 0 || confirm < 1 || votes < confirm) {
                throw new IllegalArgumentException("everySeconds and windowSeconds must be > 0 and 1 <= confirm <= votes");
            }
            if (!(confidenceStep > 0 && confidenceStep <= 1) || !(needChange > 0) || !(spotConfidence >= 0 && spotConfidence <= 1)) {
                throw new IllegalArgumentException("confidenceStep in (0,1], needChange > 0, spotConfidence in [0,1]");
            }
        }

        /** Hourly over the last day; two agreeing hours move the pattern; confidence over the last day's hours. */
        public static Config defaults() {
            return new Config(3600, 86400, 2, 24, 0.25, 0.25, 0.5);
        }
    }

    private final Config config;
    /** Where cold users start from (null: from the configured defaults, pattern UNKNOWN). */
    private final PopulationProfile population;
    /** The trained classifier naming the pattern (null: the documented rules, {@link PatternRules}). */
    private final io.foresight.core.features.PatternClassifier classifier;

    public Profiler(Config config) {
        this(config, null, null);
    }

    /** A profiler whose users with less than a day of usage start from {@code population} (null: from defaults). */
    public Profiler(Config config, PopulationProfile population) {
        this(config, population, null);
    }

    /**
     * As above, with the last window's pattern predicted by {@code classifier} (trained to name the next day's
     * pattern from this day's features) instead of named by the rules; null: the rules.
     */
    public Profiler(Config config, PopulationProfile population, io.foresight.core.features.PatternClassifier classifier) {
        this.config = Objects.requireNonNull(config, "config");
        this.population = population;
        this.classifier = classifier;
    }

    public PopulationProfile population() {
        return population;
    }

    public Config config() {
        return config;
    }

    /**
     * The user's profile after the interval just appended to {@code h}.
     *
     * @param prev     the state before (null: never profiled)
     * @param base     the configured facts (team, tier, spot allowed)
     * @param forecast the forecast made from {@code h} this cycle
     */
    public ProfileState update(ProfileState prev, UserProfile base, UserHistory h, Forecast forecast) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(h, "history");
        int step = h.stepSeconds();
        int every = Math.max(1, config.everySeconds() / step);
        long lastIndex = Math.floorDiv(h.nextAt(), step) - 1;
        boolean configChanged = prev != null && (!prev.team().equals(base.team()) || prev.tier() != base.tier()
                || (!base.spotAllowed() && prev.spotEligible()));
        boolean due = prev == null || configChanged
                || Math.floorMod(lastIndex + Math.floorMod(h.user().hashCode(), every), every) == 0;
        if (!due) {
            return prev;
        }
        if (population != null && (prev == null || prev.coldStart()) && population.cold(h)) {
            return coldProfile(prev, base, h);
        }
        if (h.size() == 0) {
            return prev;
        }
        FeatureVector window = window(h);
        Pattern label = window == null ? Pattern.UNKNOWN
                : classifier == null ? PatternRules.name(window) : classifier.predict(window);
        String recent = (prev == null ? "" : prev.recent()) + (char) ('0' + label.ordinal());
        if (recent.length() > config.votes()) {
            recent = recent.substring(recent.length() - config.votes());
        }
        Pattern pattern;
        if (prev == null || prev.pattern() == Pattern.UNKNOWN || prev.coldStart()) {
            pattern = label;
        } else {
            pattern = agreeing(recent, label) ? label : prev.pattern();
        }
        double confidence = share(recent, pattern);
        if (classifier != null && window != null && pattern != Pattern.UNKNOWN) {
            // the served classifier's own belief in the published pattern and the recent windows' agreement weigh
            // equally: a pattern the model names by a narrow vote is not trusted as one it names unanimously
            confidence = (confidence + classifier.probabilities(window)[pattern.ordinal()]) / 2;
        }
        if (pattern == Pattern.UNKNOWN) {
            confidence = 0;
        }
        boolean spot = base.spotAllowed() && pattern.interruptible() && confidence >= config.spotConfidence();
        double[] next = new double[Resource.COUNT];
        double[] peak = new double[Resource.COUNT];
        needs(h, forecast, next, peak);
        String change = prev == null ? "first profile" : changes(prev, base, pattern, confidence, spot, next, peak);
        if (prev != null && prev.coldStart()) {
            // a day of the user's own usage: the population profile's prediction gives way to it
            change = "own history after the cold start" + (change == null ? "" : "; " + change);
        }
        if (change == null) {
            return prev.withRecent(recent);
        }
        return new ProfileState(base.user(), (prev == null ? 0 : prev.version()) + 1, h.nextAt(), base.team(),
                base.tier(), pattern, confidence, spot, next, peak,
                Map.of("pattern", classifier == null ? PATTERN_MODEL : classifier.version(),
                        "need", forecast == null ? "none" : forecast.model()), recent, change,
                false);
    }

    /**
     * A cold user's profile: the population profile of its predicted pattern (from its first hours, or its team's
     * users when nothing was observed), with the need the population's regression predicts.
     */
    private ProfileState coldProfile(ProfileState prev, UserProfile base, UserHistory h) {
        PopulationProfile.Prediction p = population.predict(h, base.team());
        boolean spot = base.spotAllowed() && p.pattern().interruptible() && p.confidence() >= config.spotConfidence();
        double[] next = population.need(h, p.pattern());
        double[] peak = next.clone();
        String change = prev == null ? "first profile (population: " + p.pattern() + ")"
                : changes(prev, base, p.pattern(), p.confidence(), spot, next, peak);
        if (change == null) {
            return prev;
        }
        return new ProfileState(base.user(), (prev == null ? 0 : prev.version()) + 1, h.nextAt(), base.team(),
                base.tier(), p.pattern(), p.confidence(), spot, next, peak,
                Map.of("pattern", PopulationProfile.MODEL, "need", PopulationProfile.MODEL), "", change, true);
    }

    /** The pattern of the last window, UNKNOWN while less than a quarter of it was observed. */
    Pattern label(UserHistory h) {
        FeatureVector v = window(h);
        return v == null ? Pattern.UNKNOWN : classifier == null ? PatternRules.name(v) : classifier.predict(v);
    }

    /** The features of the last window, null while less than a quarter of it was observed. */
    private FeatureVector window(UserHistory h) {
        int step = h.stepSeconds();
        int n = config.windowSeconds() / step;
        double[] cpu = h.series().usageColumn(Resource.CPU);
        int seen = 0;
        for (int i = Math.max(0, h.size() - n); i < h.size(); i++) {
            if (!Double.isNaN(cpu[i])) {
                seen++;
            }
        }
        if (seen * 4 < n) {
            return null;
        }
        return UserFeatures.profile(h.series(), h.nextAt() - config.windowSeconds(), h.nextAt());
    }

    private boolean agreeing(String recent, Pattern label) {
        if (recent.length() < config.confirm()) {
            return false;
        }
        char c = (char) ('0' + label.ordinal());
        for (int i = recent.length() - config.confirm(); i < recent.length(); i++) {
            if (recent.charAt(i) != c) {
                return false;
            }
        }
        return true;
    }

    private static double share(String recent, Pattern p) {
        char c = (char) ('0' + p.ordinal());
        int n = 0;
        for (int i = 0; i < recent.length(); i++) {
            n += recent.charAt(i) == c ? 1 : 0;
        }
        return recent.isEmpty() ? 0 : (double) n / recent.length();
    }

    /** Next hour: max(forecast upper bound, same hour a day before); day peak: the last 24 hours' peak. */
    private static void needs(UserHistory h, Forecast f, double[] next, double[] peak) {
        int step = h.stepSeconds();
        int day = 86400 / step;
        int hour = Math.max(1, 3600 / step);
        int n = h.size();
        for (Resource r : Resource.values()) {
            double[] y = h.series().usageColumn(r);
            double fc = f == null ? Double.NaN : f.peakUpper(0, f.horizon()).get(r);
            double yesterday = max(y, n - day, n - day + hour);
            next[r.ordinal()] = maxKnown(fc, yesterday);
            peak[r.ordinal()] = maxKnown(max(y, n - day, n), next[r.ordinal()]);
        }
    }

    /** The largest known (non-NaN) value of {@code y} in [from, to), or NaN if none is known. */
    static double max(double[] y, int from, int to) {
        double m = Double.NaN;
        for (int i = Math.max(0, from); i < Math.min(to, y.length); i++) {
            if (!Double.isNaN(y[i]) && (Double.isNaN(m) || y[i] > m)) {
                m = y[i];
            }
        }
        return m;
    }

    private static double maxKnown(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /** What changed materially since the published version, or null. */
    private String changes(ProfileState prev, UserProfile base, Pattern pattern, double confidence, boolean spot,
                           double[] next, double[] peak) {
        List<String> out = new ArrayList<>();
        if (pattern != prev.pattern()) {
            out.add("pattern " + prev.pattern() + " -> " + pattern);
        }
        if (!base.team().equals(prev.team())) {
            out.add("team " + prev.team() + " -> " + base.team());
        }
        if (base.tier() != prev.tier()) {
            out.add("tier " + prev.tier() + " -> " + base.tier());
        }
        if (spot != prev.spotEligible()) {
            out.add(spot ? "spot eligible" : "spot not eligible");
        }
        if (Math.abs(confidence - prev.confidence()) >= config.confidenceStep() - 1e-9) {
            out.add(String.format(Locale.ROOT, "confidence %.2f -> %.2f", prev.confidence(), confidence));
        }
        for (Resource r : new Resource[] {Resource.CPU, Resource.MEMORY}) {
            int i = r.ordinal();
            if (moved(prev.needNextHour()[i], next[i], UserFeatures.DEFAULT_ACTIVE_THRESHOLDS[i])) {
                out.add(String.format(Locale.ROOT, "%s next hour %.2f -> %.2f", r.name().toLowerCase(Locale.ROOT),
                        prev.needNextHour()[i], next[i]));
            }
            if (moved(prev.dayPeak()[i], peak[i], UserFeatures.DEFAULT_ACTIVE_THRESHOLDS[i])) {
                out.add(String.format(Locale.ROOT, "%s day peak %.2f -> %.2f", r.name().toLowerCase(Locale.ROOT),
                        prev.dayPeak()[i], peak[i]));
            }
        }
        return out.isEmpty() ? null : String.join("; ", out);
    }

    private boolean moved(double before, double after, double floor) {
        if (Double.isNaN(before) || Double.isNaN(after)) {
            return Double.isNaN(before) != Double.isNaN(after);
        }
        return Math.abs(after - before) > Math.max(floor, config.needChange() * Math.abs(before));
    }
}
