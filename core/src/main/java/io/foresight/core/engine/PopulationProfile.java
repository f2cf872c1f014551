package io.foresight.core.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a user with little or no history starts from: the population profile of the pattern the user is predicted
 * to show, fitted on a training trace (never on the users it is applied to).
 * <ul>
 *   <li><b>Pattern</b> from what is known: with some usage, the documented rules ({@link PatternRules}) name the
 *       hours seen so far, and the population says which pattern the following day most often shows after that
 *       name (learned on the training users' "first hours" → "pattern of the following day" pairs: short windows
 *       mislead the rules, e.g. a quiet first hour of a busy user); with no usage yet, the majority pattern of the
 *       user's team's training users (else of the whole population). The confidence is the share of the training
 *       pairs for which that prediction was right. (A nearest-centroid classifier on log mean/peak of CPU and
 *       memory was tried first: on the repo's slice it was right on 11 of 65 held-out pairs where always naming
 *       the majority was right on 37.)</li>
 *   <li><b>Need</b>: a per-pattern regression of the next hour's peak on the peak seen so far: the
 *       {@code quantile} of the ratio next-hour peak / known peak, per resource (CPU, memory) and per length of
 *       what is known (1, 2, 4, 8, 16 hours). The engine floors a cold user's forecast upper bound with
 *       known peak x ratio while the user is cold (less than {@link #knownSteps} observed intervals).</li>
 * </ul>
 * JSON round trip with {@link #save}/{@link #load} (the loop's worker reads the file the training wrote).
 *
 * @param stepSeconds  the data's interval
 * @param knownSteps   intervals a user is cold for (one day)
 * @param quantile     the ratio quantile of the need regression
 * @param majority     the population's most common pattern
 * @param teamMajority the most common pattern of each team's training users
 * @param patterns     per pattern the population's statistics
 */
public record PopulationProfile(int stepSeconds, int knownSteps, double quantile, Pattern majority,
                                Map<String, Pattern> teamMajority, Map<Pattern, FirstHours> firstHours,
                                Map<Pattern, PatternStats> patterns) {
    /** Hours of known usage the need regression is bucketed by (a user with 3 hours known uses the 2-hour ratios). */
    public static final int[] KNOWN_HOURS = {1, 2, 4, 8, 16};
    /** The version recorded with profiles this model produced. */
    public static final String MODEL = "population/1";
    /** The resources whose need the regression predicts (the ones the pattern rules read). */
    static final Resource[] NEED = {Resource.CPU, Resource.MEMORY};

    /**
     * @param share     share of the training pairs whose following day had this pattern
     * @param precision share of the pairs predicted as this pattern that were this pattern
     * @param ratio     [known-hours bucket][resource of {@link #NEED}]: ratio quantile, NaN when no pair
     */
    public record PatternStats(double share, double precision, double[][] ratio) {
        public PatternStats {
            Objects.requireNonNull(ratio, "ratio");
        }
    }

    /**
     * The pattern the following day most often showed after the rules named the known hours {@code key}.
     *
     * @param pattern    that pattern
     * @param confidence share of the training pairs with rules name {@code key} whose following day was {@code pattern}
     */
    public record FirstHours(Pattern pattern, double confidence) {}

    public PopulationProfile {
        if (stepSeconds <= 0 || knownSteps <= 0 || !(quantile > 0 && quantile < 1)) {
            throw new IllegalArgumentException("stepSeconds and knownSteps must be > 0 and quantile in (0,1)");
        }
        Objects.requireNonNull(majority, "majority");
        teamMajority = teamMajority == null ? Map.of() : new TreeMap<>(teamMajority);
        firstHours = firstHours == null || firstHours.isEmpty() ? Map.of() : new EnumMap<>(firstHours);
        patterns = new EnumMap<>(Objects.requireNonNull(patterns, "patterns").isEmpty()
                ? Map.of(majority, new PatternStats(1, 0, new double[KNOWN_HOURS.length][NEED.length]))
                : patterns);
    }

    /** A cold user's predicted pattern and how far to trust it. */
    public record Prediction(Pattern pattern, double confidence) {}

    /**
     * Fits on every user of {@code train}: pairs at origins every {@code 12 h} of each user's series, the known part
     * being the {@link #KNOWN_HOURS} before the origin (cycled), the label the rules' pattern of the 24 h after it.
     *
     * @param team each training user's team (the directory's), for the no-usage prediction
     */
    public static PopulationProfile fit(Trace train, Function<String, String> team, double quantile) {
        Objects.requireNonNull(train, "train");
        int step = train.stepSeconds();
        int day = 86400 / step;
        int hour = Math.max(1, 3600 / step);
        int every = Math.max(1, 43200 / step);
        int np = Pattern.values().length;
        List<Pattern> xs = new ArrayList<>();
        List<Pattern> ys = new ArrayList<>();
        List<double[]> ratios = new ArrayList<>(); // bucket, cpu ratio, mem ratio
        Map<String, int[]> teams = new TreeMap<>();
        int k = 0;
        for (UserSeries s : train.users().values()) {
            int[] perUser = new int[np];
            for (int o = hour; o + day <= s.size(); o += every, k++) {
                int b = k % KNOWN_HOURS.length;
                int from = Math.max(0, o - KNOWN_HOURS[b] * hour);
                Pattern x = known(s, from, o);
                Pattern label = x == null ? Pattern.UNKNOWN : label(s, o, o + day);
                if (label == Pattern.UNKNOWN) {
                    continue;
                }
                xs.add(x);
                ys.add(label);
                perUser[label.ordinal()]++;
                double[] r = {b, Double.NaN, Double.NaN};
                for (int j = 0; j < NEED.length; j++) {
                    double[] y = s.usageColumn(NEED[j]);
                    double seen = Profiler.max(y, from, o);
                    double next = Profiler.max(y, o, o + hour);
                    if (seen > UserFeatures.DEFAULT_ACTIVE_THRESHOLDS[NEED[j].ordinal()] && !Double.isNaN(next)) {
                        r[1 + j] = next / seen;
                    }
                }
                ratios.add(r);
            }
            int best = argmax(perUser);
            if (perUser[best] > 0) {
                teams.computeIfAbsent(team.apply(s.user()), t -> new int[np])[best]++;
            }
        }
        if (xs.isEmpty()) {
            throw new IllegalArgumentException("the training trace has no user with a day of usage after an hour: the "
                    + "population profile needs at least a day and an hour of one user's data");
        }
        int[] count = new int[np];
        int[][] after = new int[np][np]; // [rules name of the known hours][pattern of the following day]
        for (int i = 0; i < xs.size(); i++) {
            count[ys.get(i).ordinal()]++;
            after[xs.get(i).ordinal()][ys.get(i).ordinal()]++;
        }
        Pattern majority = Pattern.values()[argmax(count)];
        Map<Pattern, FirstHours> first = new EnumMap<>(Pattern.class);
        for (Pattern x : Pattern.values()) {
            int n = java.util.stream.IntStream.of(after[x.ordinal()]).sum();
            if (n > 0) {
                int best = argmax(after[x.ordinal()]);
                first.put(x, new FirstHours(Pattern.values()[best], (double) after[x.ordinal()][best] / n));
            }
        }
        int[] predicted = new int[np];
        int[] right = new int[np];
        for (int i = 0; i < xs.size(); i++) {
            Pattern p = first.get(xs.get(i)).pattern();
            predicted[p.ordinal()]++;
            right[p.ordinal()] += p == ys.get(i) ? 1 : 0;
        }
        Map<Pattern, PatternStats> stats = new EnumMap<>(Pattern.class);
        for (Pattern p : Pattern.values()) {
            if (count[p.ordinal()] == 0) {
                continue;
            }
            double[][] q = new double[KNOWN_HOURS.length][NEED.length];
            for (int b = 0; b < KNOWN_HOURS.length; b++) {
                for (int j = 0; j < NEED.length; j++) {
                    List<Double> v = new ArrayList<>();
                    for (int i = 0; i < ratios.size(); i++) {
                        double[] r = ratios.get(i);
                        if (ys.get(i) == p && (int) r[0] == b && !Double.isNaN(r[1 + j])) {
                            v.add(r[1 + j]);
                        }
                    }
                    q[b][j] = quantile(v, quantile);
                }
            }
            stats.put(p, new PatternStats((double) count[p.ordinal()] / xs.size(),
                    predicted[p.ordinal()] == 0 ? 0 : (double) right[p.ordinal()] / predicted[p.ordinal()], q));
        }
        Map<String, Pattern> tm = new TreeMap<>();
        teams.forEach((t, c) -> tm.put(t, Pattern.values()[argmax(c)]));
        return new PopulationProfile(step, day, quantile, majority, tm, first, stats);
    }

    /** Whether a user with this history is still cold (fewer than {@link #knownSteps} observed intervals). */
    public boolean cold(UserHistory h) {
        return observed(h, knownSteps) < knownSteps;
    }

    /** The predicted pattern of a cold user: from its first hours if any were observed, else from its team. */
    public Prediction predict(UserHistory h, String team) {
        Pattern x = h.size() == 0 ? null : known(h.series(), Math.max(0, h.size() - knownSteps), h.size());
        FirstHours f = x == null ? null : firstHours.get(x);
        if (f != null) {
            return new Prediction(f.pattern(), f.confidence());
        }
        Pattern p = teamMajority.getOrDefault(team, majority);
        PatternStats s = patterns.get(p);
        return new Prediction(p, s == null ? 0 : s.share());
    }

    /**
     * The need a cold user of {@code pattern} is predicted to reach in the next hour per resource of {@link #NEED}
     * (known peak x the pattern's ratio for what is known); NaN where nothing is known.
     */
    public double[] need(UserHistory h, Pattern pattern) {
        double[] out = new double[Resource.COUNT];
        Arrays.fill(out, Double.NaN);
        PatternStats s = patterns.get(pattern);
        if (s == null || h.size() == 0) {
            return out;
        }
        int hour = Math.max(1, 3600 / stepSeconds);
        int from = Math.max(0, h.size() - knownSteps);
        int seen = observed(h, knownSteps);
        int b = 0;
        while (b + 1 < KNOWN_HOURS.length && KNOWN_HOURS[b + 1] * hour <= seen) {
            b++;
        }
        for (int j = 0; j < NEED.length; j++) {
            double peak = Profiler.max(h.series().usageColumn(NEED[j]), from, h.size());
            double ratio = s.ratio()[b][j];
            if (!Double.isNaN(peak) && !Double.isNaN(ratio)) {
                out[NEED[j].ordinal()] = peak * Math.max(1, ratio);
            }
        }
        return out;
    }

    /** The rules' name of the observed part of {@code [from, to)}; null when nothing of it was observed. */
    static Pattern known(UserSeries s, int from, int to) {
        double[] cpu = s.usageColumn(Resource.CPU);
        boolean any = false;
        for (int i = from; i < to && !any; i++) {
            any = !Double.isNaN(cpu[i]);
        }
        if (!any) {
            return null;
        }
        return PatternRules.name(UserFeatures.profile(s, s.timestamp(from), s.timestamp(to - 1) + s.stepSeconds()));
    }

    private static Pattern label(UserSeries s, int from, int to) {
        int seen = 0;
        double[] cpu = s.usageColumn(Resource.CPU);
        for (int i = from; i < to; i++) {
            seen += Double.isNaN(cpu[i]) ? 0 : 1;
        }
        if (seen * 4 < to - from) {
            return Pattern.UNKNOWN;
        }
        return PatternRules.name(UserFeatures.profile(s, s.timestamp(from), s.timestamp(to - 1) + s.stepSeconds()));
    }

    /** Observed intervals among the last ones of the history, counted up to {@code cap} (newest first). */
    private static int observed(UserHistory h, int cap) {
        double[] cpu = h.series().usageColumn(Resource.CPU);
        int n = 0;
        for (int i = h.size() - 1; i >= 0 && n < cap; i--) {
            n += Double.isNaN(cpu[i]) ? 0 : 1;
        }
        return n;
    }

    private static double quantile(List<Double> v, double q) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[Math.min(a.length - 1, (int) Math.floor(q * a.length))];
    }

    private static int argmax(int[] c) {
        int b = 0;
        for (int i = 1; i < c.length; i++) {
            if (c[i] > c[b]) {
                b = i;
            }
        }
        return b;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public void save(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write population profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #save}; a bad file fails naming it and the fix. */
    public static PopulationProfile load(Path file) {
        try {
            return JSON.readValue(file.toFile(), PopulationProfile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read population profile " + file + ": " + e.getMessage()
                    + ". Fix: write it again with the training (or delete it to start cold users from defaults)", e);
        }
    }
}
