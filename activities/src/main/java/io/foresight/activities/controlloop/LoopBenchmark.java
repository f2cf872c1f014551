package io.foresight.activities.controlloop;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.actuate.SimulatedCluster;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.foresight.workflows.controlloop.ControlLoopActivities.PolicyResult;
import io.foresight.workflows.controlloop.Mode;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the loop's activities on a real trace, without Temporal: per-stage milliseconds per
 * cycle, user-cycles per second, and the pool outcome. Usage:
 * {@code LoopBenchmark <bitbrains csv(.gz)> [users=100] [cycles=48] [shardSize=500]}.
 */
public final class LoopBenchmark {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoopBenchmark <bitbrains csv(.gz)> [users=100] [cycles=48] [shardSize=500]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int cycles = args.length > 2 ? Integer.parseInt(args[2]) : 48;
        int shardSize = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        long t0 = System.nanoTime();
        Trace trace = BitbrainsReader.read(List.of(file), users);
        double readS = (System.nanoTime() - t0) / 1e9;
        Path state = Files.createTempDirectory("foresight-loop-bench");
        TraceUsageSource source = new TraceUsageSource(trace, ControlWorkerConfig.DEFAULT_WARMUP_STEPS);
        String ref = "bench:" + file;
        ControlLoopActivitiesImpl a = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state)
                .withUsageSources(r -> source).withMetrics(new PrometheusRegistry())
                .withActuator(new SimulatedCluster(state.resolve("cluster"))));
        int shards = a.describePool("bench", ref).shards(shardSize);
        long[] ns = new long[6];
        double under = 0;
        double observed = 0;
        double cost = 0;
        double capacityCost = 0;
        int ran = 0;
        for (int c = 0; c < cycles; c++) {
            boolean end = false;
            for (int s = 0; s < shards && !end; s++) {
                ShardTask t = ShardTask.of("bench", ref, c, s, shardSize);
                long a0 = System.nanoTime();
                var col = a.collect(t);
                if (col.exhausted()) {
                    end = true;
                    break;
                }
                long a1 = System.nanoTime();
                var p = a.predict(t, col.ref());
                long a2 = System.nanoTime();
                var pl = a.plan(t, p.ref());
                long a3 = System.nanoTime();
                PolicyResult d = a.checkPolicy(t, pl.ref(), Mode.ENFORCE);
                long a4 = System.nanoTime();
                a.allocate(t, d.ref(), List.of());
                long a5 = System.nanoTime();
                ns[0] += a1 - a0;
                ns[1] += a2 - a1;
                ns[2] += a3 - a2;
                ns[3] += a4 - a3;
                ns[4] += a5 - a4;
            }
            if (end) {
                break;
            }
            long m0 = System.nanoTime();
            MonitorResult m = a.monitor("bench", ref, c, shards, ShardTask.poolKey("bench", c));
            ns[5] += System.nanoTime() - m0;
            under += m.underProvisioned();
            observed += m.users();
            if (c == 0) {
                capacityCost = m.costPerHour(); // cycle 0 runs on the trace's own provisioning
            }
            cost = m.costPerHour();
            ran++;
        }
        long total = 0;
        for (long n : ns) {
            total += n;
        }
        System.out.printf(Locale.ROOT, "trace %s: %d users, read in %.1f s; %d cycles, %d shard(s) of <= %d%n",
                file.getFileName(), trace.users().size(), readS, ran, shards, shardSize);
        String[] names = {"collect", "predict", "plan", "policy", "allocate", "monitor"};
        for (int i = 0; i < names.length; i++) {
            System.out.printf(Locale.ROOT, "  %-9s %8.2f ms/cycle%n", names[i], ns[i] / 1e6 / Math.max(1, ran));
        }
        System.out.printf(Locale.ROOT, "  total     %8.2f ms/cycle, %.0f user-cycles/s%n", total / 1e6 / Math.max(1, ran),
                observed / (total / 1e9));
        System.out.printf(Locale.ROOT, "  under-provisioned user-intervals: %.2f%%; cost/h: trace provisioning %.4f, "
                + "loop after %d cycles %.4f%n", 100 * under / Math.max(1, observed), capacityCost, ran, cost);
        System.out.println("  state dir (bulk data, journal): " + state);
    }
}
