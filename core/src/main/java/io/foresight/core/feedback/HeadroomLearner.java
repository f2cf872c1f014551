package io.foresight.core.feedback;

import com.fasterxml.jackson.core.type.TypeReference;
import io.foresight.core.model.Pattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Learns, per behaviour pattern, how much headroom to plan above the forecast's upper bound, from the
 * cost and violations observed: a discounted Thompson-sampling bandit over a fixed set of headroom arms.
 *
 * <p>Reward of one user-interval: -(cost / costScale + lambda * (violated + shortfall)), where costScale is
 * the user's own running mean cost (or the pattern's, when the caller names no user), so users of any size
 * weigh alike and lambda reads as "one violation costs as much as lambda average intervals". Each arm keeps discounted sums (factor {@code discount}
 * per record of its pattern), so old evidence fades and the choice follows a changing workload. Thompson
 * sampling draws each arm's mean from Normal(mean, sd / sqrt(n)) and plays the best draw; an arm not yet
 * tried is played first. The learner only proposes: the policy gate still clamps the allocation, and
 * every arm lies within the configured [minHeadroom, maxHeadroom].
 */
public final class HeadroomLearner {
    /**
     * @param arms            headroom fractions to choose from (e.g. 0.05 = 5% above the upper bound)
     * @param minHeadroom     lowest headroom the policies allow
     * @param maxHeadroom     highest headroom the policies allow
     * @param lambda          weight of a violation against the mean interval cost
     * @param discount        per-record decay of old evidence, in (0, 1]
     * @param defaultHeadroom what {@link #current()} reports for a pattern with no evidence
     */
    public record Config(double[] arms, double minHeadroom, double maxHeadroom, double lambda, double discount,
                         double defaultHeadroom, long seed) {
        public Config {
            if (arms == null || arms.length == 0) {
                throw new IllegalArgumentException("need at least one headroom arm");
            }
            if (!(minHeadroom >= 0) || !(maxHeadroom >= minHeadroom)) {
                throw new IllegalArgumentException("need 0 <= minHeadroom <= maxHeadroom, got " + minHeadroom + ", " + maxHeadroom);
            }
            arms = arms.clone();
            Arrays.sort(arms);
            for (int i = 0; i < arms.length; i++) {
                if (arms[i] < minHeadroom || arms[i] > maxHeadroom) {
                    throw new IllegalArgumentException("headroom arm " + arms[i] + " lies outside the policy range ["
                            + minHeadroom + ", " + maxHeadroom + "]: remove it or widen the range");
                }
                if (i > 0 && arms[i] == arms[i - 1]) {
                    throw new IllegalArgumentException("duplicate headroom arm " + arms[i]);
                }
            }
            if (!(lambda >= 0) || !(discount > 0 && discount <= 1)) {
                throw new IllegalArgumentException("need lambda >= 0 and discount in (0, 1], got " + lambda + ", " + discount);
            }
            if (defaultHeadroom < minHeadroom || defaultHeadroom > maxHeadroom) {
                throw new IllegalArgumentException("defaultHeadroom " + defaultHeadroom + " outside [" + minHeadroom + ", " + maxHeadroom + "]");
            }
        }

        /** Arms 0..50%, policy range [0, 0.5], a violation weighs 10 mean intervals, half-life ~70k records. */
        public static Config defaults() {
            return new Config(new double[] {0.0, 0.05, 0.1, 0.2, 0.3, 0.5}, 0.0, 0.5, 10.0, 0.99999, 0.05, 42L);
        }
    }

    /** Discounted evidence of one arm. Public for JSON persistence. */
    public record ArmStats(double n, double sum, double sumSq) {}

    /** Discounted evidence of one pattern. Public for JSON persistence. */
    public record PatternStats(double costScale, double costN, ArmStats[] arms) {}

    private final Config config;
    private final Map<Pattern, double[][]> stats = new EnumMap<>(Pattern.class); // [arm][n, sum, sumSq]
    private final Map<Pattern, double[]> costScale = new EnumMap<>(Pattern.class); // [mean, n]
    private final Map<String, double[]> userCost = new java.util.HashMap<>(); // [mean, n]: O(1) per user
    private final SplittableRandom random;

    public HeadroomLearner(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = new SplittableRandom(config.seed());
    }

    public Config config() {
        return config;
    }

    /** The headroom to use next for a user of pattern {@code p} (a Thompson draw: explores). */
    public double headroomFor(Pattern p) {
        return headroomFor(p, random);
    }

    /**
     * As {@link #headroomFor(Pattern)} drawing from the caller's generator: a draw seeded per (user, time) is the
     * same whichever other users were drawn first, so two drivers visiting users differently agree.
     */
    public double headroomFor(Pattern p, SplittableRandom random) {
        Objects.requireNonNull(p, "pattern");
        double[][] s = stats.get(p);
        double[] arms = config.arms();
        if (s == null) {
            return arms[random.nextInt(arms.length)];
        }
        int best = -1;
        double bestDraw = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < arms.length; a++) {
            double n = s[a][0];
            if (n < 1) {
                return arms[a]; // untried (or long forgotten): try it
            }
            double mean = s[a][1] / n;
            double var = Math.max(s[a][2] / n - mean * mean, 1e-6);
            double draw = mean + random.nextGaussian() * Math.sqrt(var / n);
            if (draw > bestDraw) {
                bestDraw = draw;
                best = a;
            }
        }
        return arms[best];
    }

    /**
     * Records what one user-interval cost under {@code headroomUsed} (mapped to the nearest arm).
     *
     * @param cost      allocation cost of the interval, dollars
     * @param violated  usage exceeded the allocation
     * @param shortfall relative depth of the shortfall (0 when none)
     */
    public void record(Pattern p, double headroomUsed, double cost, boolean violated, double shortfall) {
        record(null, p, headroomUsed, cost, violated, shortfall);
    }

    /**
     * As {@link #record(Pattern, double, double, boolean, double)}, with the cost scaled by the user's own
     * running mean cost: a large user's dollars then do not drown a small user's violations. Preferred
     * when the caller knows the user.
     */
    public void record(String user, Pattern p, double headroomUsed, double cost, boolean violated, double shortfall) {
        Objects.requireNonNull(p, "pattern");
        if (!(cost >= 0) || !(shortfall >= 0)) {
            throw new IllegalArgumentException("cost and shortfall must be >= 0, got " + cost + ", " + shortfall);
        }
        double[] cs = user == null ? costScale.computeIfAbsent(p, k -> new double[2])
                : userCost.computeIfAbsent(user, k -> new double[2]);
        cs[1] = cs[1] * config.discount() + 1;
        cs[0] += (cost - cs[0]) / cs[1];
        double scale = cs[0] > 0 ? cs[0] : 1;
        double reward = -(cost / scale + config.lambda() * ((violated ? 1 : 0) + shortfall));
        double[][] s = stats.computeIfAbsent(p, k -> new double[config.arms().length][3]);
        int arm = nearestArm(headroomUsed);
        for (int a = 0; a < s.length; a++) {
            s[a][0] *= config.discount();
            s[a][1] *= config.discount();
            s[a][2] *= config.discount();
        }
        s[arm][0] += 1;
        s[arm][1] += reward;
        s[arm][2] += reward * reward;
    }

    /** The best headroom per pattern by mean reward so far (no exploration); default where no evidence. */
    public Map<Pattern, Double> current() {
        Map<Pattern, Double> out = new EnumMap<>(Pattern.class);
        for (Pattern p : Pattern.values()) {
            out.put(p, best(p));
        }
        return out;
    }

    /** Mean reward per arm of a pattern (NaN for an arm without evidence), for reports. */
    public Map<Double, Double> meanRewards(Pattern p) {
        Map<Double, Double> out = new LinkedHashMap<>();
        double[][] s = stats.get(p);
        for (int a = 0; a < config.arms().length; a++) {
            out.put(config.arms()[a], s == null || s[a][0] < 1e-9 ? Double.NaN : s[a][1] / s[a][0]);
        }
        return out;
    }

    private double best(Pattern p) {
        double[][] s = stats.get(p);
        if (s == null) {
            return config.defaultHeadroom();
        }
        int best = -1;
        double bestMean = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < s.length; a++) {
            if (s[a][0] >= 1) {
                double m = s[a][1] / s[a][0];
                if (m > bestMean) {
                    bestMean = m;
                    best = a;
                }
            }
        }
        return best < 0 ? config.defaultHeadroom() : config.arms()[best];
    }

    private int nearestArm(double h) {
        if (Double.isNaN(h)) {
            throw new IllegalArgumentException("headroomUsed is NaN");
        }
        double[] arms = config.arms();
        int best = 0;
        for (int a = 1; a < arms.length; a++) {
            if (Math.abs(arms[a] - h) < Math.abs(arms[best] - h)) {
                best = a;
            }
        }
        return best;
    }

    /** The persisted form: config plus evidence per pattern. */
    public record Snapshot(Config config, Map<Pattern, PatternStats> patterns) {}

    public Snapshot snapshot() {
        Map<Pattern, PatternStats> m = new EnumMap<>(Pattern.class);
        stats.forEach((p, s) -> {
            ArmStats[] a = new ArmStats[s.length];
            for (int i = 0; i < s.length; i++) {
                a[i] = new ArmStats(s[i][0], s[i][1], s[i][2]);
            }
            double[] cs = costScale.getOrDefault(p, new double[2]);
            m.put(p, new PatternStats(cs[0], cs[1], a));
        });
        return new Snapshot(config, m);
    }

    public static HeadroomLearner restore(Snapshot snap) {
        HeadroomLearner l = new HeadroomLearner(snap.config());
        snap.patterns().forEach((p, ps) -> {
            if (ps.arms().length != snap.config().arms().length) {
                throw new IllegalArgumentException("pattern " + p + " has evidence for " + ps.arms().length
                        + " arms but the config lists " + snap.config().arms().length);
            }
            double[][] s = new double[ps.arms().length][];
            for (int i = 0; i < s.length; i++) {
                s[i] = new double[] {ps.arms()[i].n(), ps.arms()[i].sum(), ps.arms()[i].sumSq()};
            }
            l.stats.put(p, s);
            l.costScale.put(p, new double[] {ps.costScale(), ps.costN()});
        });
        return l;
    }

    /**
     * Writes the learner's state as JSON (atomically: a crash never leaves half a file). Per-user cost scales
     * are not saved: they are re-learned within a few intervals after a load.
     */
    public void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JsonLines.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), snapshot());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save headroom learner to " + file + ": " + e.getMessage(), e);
        }
    }

    public static HeadroomLearner load(Path file) {
        try {
            return restore(JsonLines.MAPPER.readValue(file.toFile(), new TypeReference<Snapshot>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load headroom learner from " + file + ": " + e.getMessage()
                    + " (delete the file to start learning afresh)", e);
        }
    }
}
