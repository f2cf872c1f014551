package io.foresight.activities.controlloop;

import io.foresight.activities.ControlWorkerConfig;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.workflows.controlloop.ControlLoopActivities.MonitorResult;
import io.foresight.workflows.controlloop.ShardTask;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the loop's activities on a real trace, without Temporal: per-stage milliseconds per
 * cycle, user-cycles per second, heap, and the pool outcome, with the worker's real wiring (the blend
 * forecaster fitted on the trace's first three days, the bundled Drools rules, one pool-wide policy check).
 * Pools larger than the trace are made of its real VMs time-shifted ({@link TimeShiftedUsageSource}: copy k of a VM
 * replays its own usage rotated by k * 37 steps, read from the real VM's arrays, so copies cost no trace memory). Usage:
 * {@code LoopBenchmark <bitbrains csv(.gz)> [users=100] [cycles=48] [shardSize=500] [files|postgresql]}; with
 * {@code postgresql} the loop's state goes to the PostgreSQL at FORESIGHT_STATE_STORE_URL (user
 * FORESIGHT_STATE_STORE_USER, password FORESIGHT_STATE_STORE_PASSWORD) instead of files.
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
        Trace real = BitbrainsReader.read(List.of(file), users);
        TimeShiftedUsageSource source = new TimeShiftedUsageSource(real, users, ControlWorkerConfig.DEFAULT_WARMUP_STEPS);
        double readS = (System.nanoTime() - t0) / 1e9;
        Path state = Files.createTempDirectory("foresight-loop-bench");
        String ref = "bench:" + file;
        var settings = io.foresight.core.eval.Policies.ForesightSettings.defaults();
        var gate = new io.foresight.rules.DroolsPolicyGate(io.foresight.rules.PolicyRepository.bundled(),
                io.foresight.core.cost.PriceBook.DEFAULT);
        long f0 = System.nanoTime();
        // -Dforesight.bench.family=FAMILY serves a family that needs no Spark model (e.g. median-periodic) instead of the blend
        String family = System.getProperty("foresight.bench.family", "blend");
        io.foresight.core.forecast.Forecaster model = family.equals("blend")
                ? io.foresight.core.eval.Policies.blend(source.firstDays(3), settings,
                        io.foresight.core.eval.Policies.engine(settings, gate, io.foresight.core.cost.PriceBook.DEFAULT).horizon())
                : io.foresight.core.eval.ModelFamilies.build(family, source.firstDays(3), "bench", null, null);
        double fitS = (System.nanoTime() - f0) / 1e9;
        boolean pg = args.length > 4 && args[4].equals("postgresql");
        StateStore store = pg ? PostgresStateStore.open(new PostgresStateStore.Settings(System.getenv("FORESIGHT_STATE_STORE_URL"),
                System.getenv().getOrDefault("FORESIGHT_STATE_STORE_USER", "foresight"),
                System.getenv("FORESIGHT_STATE_STORE_PASSWORD"))) : new FileStateStore(state);
        System.out.println("state store: " + store.describe());
        ControlLoopActivitiesImpl a = new ControlLoopActivitiesImpl(ControlWorkerConfig.defaults(state)
                .withUsageSources(r -> source).withMetrics(new PrometheusRegistry())
                .withActuator(new SimulatedCluster(state.resolve("cluster"))).withPolicy(gate)
                .withPlanner(settings.planner()).withForecasters(ForecasterProvider.fixed(model, family + "/bench")),
                io.foresight.core.engine.CycleEngine.Parts.DEFAULTS, store);
        int shards = a.describePool("bench", ref).shards(shardSize);
        long[] ns = new long[6];
        // CPU of the whole process (every thread: the policy runs on a loader thread, plus GC and JIT) per stage: on a
        // shared machine wall time is mostly waiting for a core, CPU time is what a stage costs
        long[] cpu = new long[6];
        long firstCycleNs = 0;
        double under = 0;
        double observed = 0;
        double cost = 0;
        double capacityCost = 0;
        int ran = 0;
        for (int c = 0; c < cycles; c++) {
            boolean end = false;
            for (int s = 0; s < shards && !end; s++) {
                ShardTask t = ShardTask.of("bench", ref, c, s, shardSize);
                long c0 = cpuNanos();
                long a0 = System.nanoTime();
                var col = a.collect(t);
                if (col.exhausted()) {
                    end = true;
                    break;
                }
                long a1 = System.nanoTime();
                long c1 = cpuNanos();
                var p = a.predict(t, col.ref());
                long a2 = System.nanoTime();
                long c2 = cpuNanos();
                var pl = a.plan(t, p.ref());
                long a3 = System.nanoTime();
                long c3 = cpuNanos();
                cpu[0] += c1 - c0;
                cpu[1] += c2 - c1;
                cpu[2] += c3 - c2;
                ns[2] += a3 - a2;
                ns[0] += a1 - a0;
                ns[1] += a2 - a1;
            }
            if (end) {
                break;
            }
            long q0 = cpuNanos();
            long p0 = System.nanoTime();
            var d = a.checkPoolPolicy("bench", ref, c, shards, shardSize, AllocationMode.ENFORCE, false);
            long p1 = System.nanoTime();
            long q1 = cpuNanos();
            ns[3] += p1 - p0;
            cpu[3] += q1 - q0;
            for (int s = 0; s < shards; s++) {
                ShardTask t = ShardTask.of("bench", ref, c, s, shardSize);
                a.allocate(t, d.decisionRefs().get(s), d.waitingByShard().get(s)); // an operator who approves at once
            }
            ns[4] += System.nanoTime() - p1;
            long q2 = cpuNanos();
            cpu[4] += q2 - q1;
            long m0 = System.nanoTime();
            MonitorResult m = a.monitor("bench", ref, c, shards, ShardTask.poolKey("bench", c));
            ns[5] += System.nanoTime() - m0;
            cpu[5] += cpuNanos() - q2;
            under += m.underProvisioned();
            observed += m.users();
            if (c == 0) {
                capacityCost = m.costPerHour(); // cycle 0 runs on the trace's own provisioning
            }
            cost = m.costPerHour();
            ran++;
            if (c == 0) {
                // the first cycle builds every user's history from the source; later ones append one interval
                for (long n : ns) {
                    firstCycleNs += n;
                }
                java.util.Arrays.fill(ns, 0);
                java.util.Arrays.fill(cpu, 0);
            }
        }
        long total = 0;
        for (long n : ns) {
            total += n;
        }
        System.out.printf(Locale.ROOT, "trace %s: %d users%s, read in %.1f s, model fitted in %.1f s; %d cycles, %d shard(s) of <= %d%n",
                file.getFileName(), source.users().size(), source.users().size() > source.realUsers() ? " (" + source.realUsers()
                        + " real VMs, the rest time-shifted views of them)" : "", readS, fitS, ran, shards, shardSize);
        String[] names = {"collect", "predict", "plan", "policy", "allocate", "monitor"};
        int steady = Math.max(1, ran - 1);
        System.out.printf(Locale.ROOT, "  first cycle (histories built from the source): %.0f ms%n", firstCycleNs / 1e6);
        System.out.println("  later cycles, mean per stage:");
        for (int i = 0; i < names.length; i++) {
            System.out.printf(Locale.ROOT, "  %-9s %8.2f ms/cycle, %8.2f CPU-ms/cycle (all threads)%n", names[i],
                    ns[i] / 1e6 / steady, cpu[i] / 1e6 / steady);
        }
        long cpuTotal = 0;
        for (long n : cpu) {
            cpuTotal += n;
        }
        System.out.printf(Locale.ROOT, "  total     %8.2f ms/cycle, %8.2f CPU-ms/cycle, %.0f user-cycles/s%n", total / 1e6 / steady,
                cpuTotal / 1e6 / steady,
                observed * steady / Math.max(1, ran) / (total / 1e9));
        System.out.printf(Locale.ROOT, "  under-provisioned user-intervals: %.2f%%; cost/h: trace provisioning %.4f, "
                + "loop after %d cycles %.4f%n", 100 * under / Math.max(1, observed), capacityCost, ran, cost);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf(Locale.ROOT, "  heap used after the run: %.0f MiB (max %.0f MiB)%n",
                (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.maxMemory() / 1048576.0);
        System.out.println("  state dir (bulk data, journal): " + state);
    }

    /** CPU time of this process so far (all threads), in nanoseconds. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
