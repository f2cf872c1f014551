package io.foresight.spark.pattern;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Labelled synthetic users, one generator per {@link Pattern}, for measuring classifiers (the real
 * traces carry no labels) and for fast tests. Each user gets random scale and phase so users of a
 * pattern differ; every series is seeded and reproducible. Times are UTC on a 300 s grid.
 */
public final class SyntheticUsers {
    public static final int STEP = 300;
    /** 2013-07-01 00:00 UTC, a Monday: the start of the Bitbrains trace. */
    public static final long START = 1_372_636_800L;
    public static final List<Pattern> LABELLED = List.of(
            Pattern.BATCH, Pattern.INTERACTIVE_DEV, Pattern.DATA_ANALYSIS, Pattern.STEADY_SERVICE, Pattern.IDLE);

    private SyntheticUsers() {}

    /** {@code perPattern} users of each labelled pattern, {@code days} long each. */
    public static List<Labelled> generate(int perPattern, int days, long seed) {
        Random rnd = new Random(seed);
        List<Labelled> out = new ArrayList<>();
        for (Pattern p : LABELLED) {
            for (int i = 0; i < perPattern; i++) {
                out.add(new Labelled(series(p, p.name().toLowerCase() + "-" + i, days, rnd.nextLong()), p));
            }
        }
        return out;
    }

    /** A user and the pattern it was generated from. */
    public record Labelled(UserSeries series, Pattern pattern) {}

    public static UserSeries series(Pattern p, String user, int days, long seed) {
        Random rnd = new Random(seed);
        int n = days * 288;
        long[] ts = new long[n];
        double[][] u = new double[Resource.COUNT][n];
        double[][] cap = new double[Resource.COUNT][n];
        for (double[] c : cap) {
            Arrays.fill(c, Double.NaN);
        }
        double scale = 0.6 + 0.8 * rnd.nextDouble();
        int phase = rnd.nextInt(3); // hours of shift
        int jobLeft = 0;
        double jobCpu = 0;
        for (int i = 0; i < n; i++) {
            ts[i] = START + (long) i * STEP;
            int hour = (int) ((i / 12 + phase) % 24);
            int dow = (i / 288) % 7; // START is a Monday
            boolean weekday = dow < 5;
            double cpu;
            double mem;
            double net;
            double disk;
            switch (p) {
                case BATCH -> {
                    if (jobLeft == 0 && (hour >= 20 || hour < 6) && rnd.nextDouble() < 0.02) {
                        jobLeft = 24 + rnd.nextInt(72);
                        jobCpu = scale * (5 + 3 * rnd.nextDouble());
                    }
                    boolean running = jobLeft > 0;
                    if (running) {
                        jobLeft--;
                    }
                    cpu = running ? jobCpu * (0.9 + 0.1 * rnd.nextDouble()) : 0.05 * rnd.nextDouble();
                    mem = running ? scale * 6 : scale * 1;
                    net = running ? 0.5 * rnd.nextDouble() : 0.01;
                    disk = running ? scale * (8 + 4 * rnd.nextDouble()) : 0.02;
                }
                case INTERACTIVE_DEV -> {
                    boolean work = weekday && hour >= 9 && hour < 18;
                    boolean burst = work && rnd.nextDouble() < 0.25;
                    cpu = burst ? scale * (1 + 2 * rnd.nextDouble()) : (work ? 0.2 : 0.02) * rnd.nextDouble();
                    mem = work ? scale * (1.5 + 0.5 * rnd.nextDouble()) : scale * 0.5;
                    net = work ? 0.2 * rnd.nextDouble() : 0.005;
                    disk = burst ? 1.0 * rnd.nextDouble() : 0.01;
                }
                case DATA_ANALYSIS -> {
                    boolean burst = rnd.nextDouble() < 0.08;
                    cpu = burst ? scale * (3 + 4 * rnd.nextDouble()) : scale * 0.3 * rnd.nextDouble();
                    mem = scale * (40 + 8 * rnd.nextDouble());
                    net = 0.1 * rnd.nextDouble();
                    disk = burst ? scale * 5 * rnd.nextDouble() : 0.3 * rnd.nextDouble();
                }
                case STEADY_SERVICE -> {
                    double daily = 1 + 0.15 * Math.sin(2 * Math.PI * (hour + (i % 12) / 12.0) / 24.0);
                    cpu = scale * 2 * daily * (0.95 + 0.1 * rnd.nextDouble());
                    mem = scale * 8 * (0.98 + 0.04 * rnd.nextDouble());
                    net = scale * 3 * daily * (0.9 + 0.2 * rnd.nextDouble());
                    disk = scale * 0.5 * daily;
                }
                default -> { // IDLE
                    cpu = 0.02 * rnd.nextDouble();
                    mem = 0.1 * scale;
                    net = 0.001 * rnd.nextDouble();
                    disk = 0.001 * rnd.nextDouble();
                }
            }
            u[0][i] = cpu;
            u[1][i] = mem;
            u[2][i] = net;
            u[3][i] = disk;
        }
        return new UserSeries(user, STEP, ts, u, cap);
    }
}
