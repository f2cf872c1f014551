package io.foresight.app;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo's closing table: what the control loop allocated (from the per-cycle outcome files the monitor
 * activity wrote) next to the capacity the trace itself provisioned (static allocation), over exactly the
 * same users and intervals. CPU and memory are scored; cost covers every allocated resource.
 */
record DemoSummary(Row loop, Row statik, long userIntervals, Spot spot) {
    record Row(double cost, long underCpu, long underMemory, long underAny, double slackCpu, double slackMemory) {}

    /**
     * Spot in the loop, from the capacity planner's placement the monitor wrote each cycle ({@code nodes.json}).
     *
     * @param userIntervals      scored user-intervals held on spot capacity (priced at spot in the loop's cost)
     * @param nodeCost           what the placed nodes cost over the run (spot nodes at spot prices)
     * @param nodeCostOnDemand   the same allocations placed all on-demand
     * @param maxSpotNodes       the most spot nodes of one cycle
     */
    record Spot(long userIntervals, double nodeCost, double nodeCostOnDemand, int maxSpotNodes) {}

    static DemoSummary of(Trace trace, Path stateDir, String pool, PriceBook prices, int warmup) throws IOException {
        Path cycles = stateDir.resolve("pools").resolve(pool).resolve("cycles");
        Acc loop = new Acc();
        Acc statik = new Acc();
        int step = trace.stepSeconds();
        long spotIntervals = 0;
        double nodeCost = 0;
        double nodeCostOnDemand = 0;
        int maxSpotNodes = 0;
        try (Stream<Path> dirs = Files.list(cycles)) {
            for (Path dir : dirs.sorted().toList()) {
                Path csv = dir.resolve("outcomes.csv");
                if (!Files.isRegularFile(csv)) {
                    continue;
                }
                int interval = warmup + Integer.parseInt(dir.getFileName().toString());
                Map<String, double[][]> byUser = read(csv);
                java.util.Set<String> spot = java.util.Set.of();
                Path placed = dir.resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.NODES);
                if (Files.isRegularFile(placed)) {
                    var nodes = JSON.readValue(placed.toFile(),
                            io.foresight.activities.controlloop.ControlLoopActivitiesImpl.NodesFile.class);
                    spot = java.util.Set.copyOf(nodes.spotUsers());
                    nodeCost += nodes.costPerHour() * step / 3600.0;
                    nodeCostOnDemand += nodes.costPerHourAllOnDemand() * step / 3600.0;
                    maxSpotNodes = Math.max(maxSpotNodes, nodes.nodes().entrySet().stream()
                            .filter(n -> n.getKey().endsWith("/spot")).mapToInt(Map.Entry::getValue).sum());
                }
                for (var e : byUser.entrySet()) {
                    UserSeries s = trace.user(e.getKey());
                    if (s == null || interval >= s.size()) {
                        continue;
                    }
                    double[] use = e.getValue()[0];
                    double[] alloc = e.getValue()[1];
                    double[] cap = new double[Resource.COUNT];
                    for (Resource r : Resource.values()) {
                        // Bitbrains provisions no network/disk capacity: static holds what the loop allocated there.
                        double c = s.capacity(r, interval);
                        cap[r.ordinal()] = Double.isNaN(c) ? alloc[r.ordinal()] : c;
                    }
                    boolean onSpot = spot.contains(e.getKey());
                    if (onSpot) {
                        spotIntervals++;
                    }
                    loop.add(use, alloc, prices.cost(ResourceVector.of(alloc), step, onSpot));
                    statik.add(use, cap, prices.cost(ResourceVector.of(cap), step, false));
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("no outcomes under " + cycles + ": the loop did not complete a cycle. Fix: see the worker log and the Temporal UI");
        }
        return new DemoSummary(loop.row(), statik.row(), loop.m.userIntervals(),
                new Spot(spotIntervals, nodeCost, nodeCostOnDemand, maxSpotNodes));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** user -> {usage[], allocation[]} from one cycle's outcomes.csv (user,resource,usage,allocation,...). */
    private static Map<String, double[][]> read(Path csv) {
        Map<String, double[][]> m = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(csv)) {
            String line = r.readLine(); // header
            while ((line = r.readLine()) != null) {
                String[] f = line.split(",");
                if (f.length < 4) {
                    continue;
                }
                double[][] v = m.computeIfAbsent(f[0], u -> new double[][] {nan(), nan()});
                int i = Resource.parse(f[1]).ordinal();
                v[0][i] = parse(f[2]);
                v[1][i] = parse(f[3]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private static double[] nan() {
        double[] d = new double[Resource.COUNT];
        java.util.Arrays.fill(d, Double.NaN);
        return d;
    }

    private static double parse(String s) {
        return s.isEmpty() || s.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(s);
    }

    /** Totals of one policy, scored by the one outcome scorer the loop's monitor and evaluate use. */
    private static final class Acc {
        double cost;
        final io.foresight.core.eval.PolicyMetrics m = new io.foresight.core.eval.PolicyMetrics();

        void add(double[] use, double[] alloc, double c) {
            cost += c;
            // CPU and memory are scored here (network and disk are not part of the demo's table)
            double[] u = {use[0], use[1], Double.NaN, Double.NaN};
            double[] a = {alloc[0], alloc[1], Double.NaN, Double.NaN};
            m.scoreInterval(a, u, 1.0);
        }

        Row row() {
            return new Row(cost, m.underprovisioned(Resource.CPU), m.underprovisioned(Resource.MEMORY),
                    m.underUserIntervals(), m.slack(Resource.CPU), m.slack(Resource.MEMORY));
        }
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "  %-22s %10s %16s %16s %10s %10s%n", "policy", "cost $", "under-prov. cpu", "under-prov. mem",
                "slack cpu", "slack mem");
        for (var e : List.of(Map.entry("foresight (the loop)", loop), Map.entry("static (trace capacity)", statik))) {
            Row r = e.getValue();
            out.printf(Locale.ROOT, "  %-22s %10.2f %9d (%4.1f%%) %9d (%4.1f%%) %9.1f%% %9.1f%%%n", e.getKey(), r.cost(),
                    r.underCpu(), pct(r.underCpu()), r.underMemory(), pct(r.underMemory()), 100 * r.slackCpu(), 100 * r.slackMemory());
        }
        out.printf(Locale.ROOT, "  %d user-intervals; cost saving vs static: %.1f%%%n", userIntervals,
                statik.cost() > 0 ? 100 * (1 - loop.cost() / statik.cost()) : 0.0);
        out.printf(Locale.ROOT, "  spot: %d of %d user-intervals on spot capacity (up to %d spot nodes); the capacity planner's nodes "
                + "cost $%.2f, $%.2f all on-demand%n", spot.userIntervals(), userIntervals, spot.maxSpotNodes(), spot.nodeCost(),
                spot.nodeCostOnDemand());
        out.println("  under-prov. = user-intervals with usage above the allocation; slack = Autopilot's relative slack,");
        out.println("  sum(allocation - usage) / sum(allocation), over the other user-intervals (never negative)");
    }

    private double pct(long k) {
        return userIntervals == 0 ? 0 : 100.0 * k / userIntervals;
    }
}
