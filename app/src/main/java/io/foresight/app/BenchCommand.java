package io.foresight.app;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.controlloop.TimeShiftedUsageSource;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.workflows.TaskQueues;
import io.foresight.workflows.controlloop.ControlLoopParams;
import io.foresight.workflows.controlloop.ControlLoopWorkflow;
import io.foresight.workflows.controlloop.LoopState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code foresight bench ...}: benchmarks that print numbers on the real traces. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks on real traces (print numbers).",
        subcommands = {BenchCommand.Loop.class, BenchCommand.LoopWorker.class})
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The control loop at scale on the configured Temporal server (a real one: {@code ./foresight stack up}), with the
     * control worker in this process and its real wiring (the blend forecaster fitted on the real VMs' first three
     * days, the bundled Drools rules, the simulated cluster). Users beyond the trace's real VMs are time-shifted copies
     * of them (copy k of a VM replays its own usage rotated by k * 37 intervals). Every number is read back from the
     * workflow's history: a cycle's wall time runs from its first collect scheduled to its last activity completed
     * (the sleep between cycles left out), a stage's from its first activity scheduled to its last completed.
     */
    @Command(name = "loop", mixinStandardHelpOptions = true,
            description = "Run the control loop for N users on the Temporal server and print wall time per cycle and stage, "
                    + "history size per cycle and worker heap.")
    static final class Loop implements Callable<Integer> {
        @Option(names = "--users", required = true, description = "Users in the pool (real VMs, then time-shifted copies).")
        int users;

        @Option(names = "--cycles", defaultValue = "5", description = "Cycles to run (default ${DEFAULT-VALUE}; the first builds every history).")
        int cycles;

        @Option(names = "--shard-size", defaultValue = "500", description = "Users per activity call when --shards is 0 (default ${DEFAULT-VALUE}).")
        int shardSize;

        @Option(names = "--shards", defaultValue = "4", description = "Shards per cycle whatever the pool's size, each of "
                + "users/shards users (default ${DEFAULT-VALUE}: the worker's activity slots, two per core); 0: shards of --shard-size users.")
        int shards;

        @Option(names = "--trace", description = "Bitbrains CSV(.gz) (default: data.full.dir/bitbrains-rnd/2013-07.csv.gz, else the bundled slice).")
        Path trace;

        @Option(names = "--workers", defaultValue = "1", description = "Control worker processes (default ${DEFAULT-VALUE}: "
                + "one, in this process). W >= 2: W child JVMs with the worker's wiring (each polls the shared control queue "
                + "and its own; the loop pins each shard to one of them), this process only starts the loop and reads the "
                + "history; prints per worker the shards it held, its heap peak and its CPU per cycle.")
        int workers;

        @Option(names = "--worker-heap", description = "-Xmx of each child worker with --workers >= 2 (default: this JVM's max heap).")
        String workerHeap;

        @Override
        public Integer call() throws Exception {
            if (users < 1 || cycles < 1 || shardSize < 1 || shards < 0 || workers < 1) {
                throw new IllegalArgumentException("--users, --cycles, --shard-size and --workers must be >= 1 and --shards >= 0. Fix: e.g. --users 1000 --cycles 5 --shards 4");
            }
            FsConfig config = FsConfig.load();
            PrintStream out = System.out;
            Path file = trace != null ? trace : defaultTrace(config);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no trace at " + file + ". Fix: pass --trace PATH to a Bitbrains CSV(.gz)");
            }
            long t0 = System.nanoTime();
            // the copies beyond the real VMs are views over them: the pool costs the real trace's memory, not a copy per user
            TimeShiftedUsageSource source = new TimeShiftedUsageSource(BitbrainsReader.read(List.of(file)), users, Wiring.WARMUP_STEPS);
            int real = source.realUsers();
            out.printf(Locale.ROOT, "bench loop: %d users (%d real Bitbrains VMs of %s%s), %s, %d cycles; read in %.1f s%n",
                    users, real, file.getFileName(), users > real ? ", the rest time-shifted views of them (copy k of a VM "
                            + "replays it rotated by 37*k intervals; no copy of the trace is made)" : "",
                    shards > 0 ? shards + " shards of " + (users + shards - 1) / shards + " users" : "shards of " + shardSize + " users", cycles,
                    (System.nanoTime() - t0) / 1e9);
            Path state = Files.createTempDirectory("foresight-bench-loop");
            // a pool of its own per run: tasks still queued for an earlier run (its files are in another state dir) never land here
            String pool = "bench-" + users + "-" + Long.toString(System.currentTimeMillis(), 36);
            String ref = "bench:" + file.getFileName() + "#" + users;
            HeapSampler heap = HeapSampler.start();
            List<Child> children = new ArrayList<>();
            try (TemporalConnection temporal = TemporalConnection.open(config)) {
                WorkerFactory factory = null;
                // a child left running would poll the shared queue with another run's state dir and fail its steps
                Thread reaper = new Thread(() -> children.forEach(c -> c.process.destroyForcibly()), "bench-workers-stop");
                Runtime.getRuntime().addShutdownHook(reaper);
                try {
                    if (workers == 1) {
                        out.println("Temporal at " + temporal.target + "; control worker in this process; state " + state);
                        factory = startWorker(temporal, config, source, state, ControlWorker.defaultWorkerQueue());
                    } else {
                        for (int w = 0; w < workers; w++) {
                            children.add(Child.start(w, pool, users, file, state, workerHeap));
                        }
                        out.println("Temporal at " + temporal.target + "; " + workers + " control worker processes (child JVMs of "
                                + "this command's worker wiring, -Xmx" + children.get(0).heap + " each; none in this process); state " + state);
                        for (Child c : children) {
                            c.awaitReady(Duration.ofMinutes(10));
                        }
                    }
                    String id = ControlLoopWorkflow.workflowId(pool);
                    ControlLoopParams params = new ControlLoopParams(pool, ref, shardSize, 300, 1_000_000, 100, cycles,
                            Duration.ofMinutes(2), false, AllocationMode.ENFORCE, null).withShardCount(shards);
                    ControlLoopWorkflow loop = temporal.client.newWorkflowStub(ControlLoopWorkflow.class, WorkflowOptions.newBuilder()
                            .setTaskQueue(TaskQueues.CONTROL).setWorkflowId(id)
                            .setWorkflowIdReusePolicy(io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING)
                            .build());
                    long w0 = System.nanoTime();
                    WorkflowClient.start(loop::run, params);
                    LoopState end = WorkflowStub.fromTyped(loop).getResult(LoopState.class);
                    double wall = (System.nanoTime() - w0) / 1e9;
                    List<Cycle> measured = cycles(LoopCommand.history(temporal.stubs, config.get("temporal.namespace", "default"), id));
                    print(out, measured, wall, end);
                    if (children.isEmpty()) {
                        printCpu(out, measured, heap);
                    } else {
                        printWorkers(out, measured, children);
                    }
                } finally {
                    if (factory != null) {
                        factory.shutdownNow();
                    }
                    children.forEach(Child::stop);
                    Runtime.getRuntime().removeShutdownHook(reaper);
                }
            }
            heap.stop();
            if (!children.isEmpty()) {
                return 0;
            }
            System.gc();
            long after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            out.printf(Locale.ROOT, "worker heap: peak used %.0f MiB, after the run and a GC %.0f MiB (max %.0f MiB; the trace "
                    + "and every user's history are in it)%n", heap.peak() / 1048576.0, after / 1048576.0,
                    Runtime.getRuntime().maxMemory() / 1048576.0);
            return 0;
        }

        /**
         * The control worker of the bench: the worker command's wiring on a state dir and simulated cluster of its own, the
         * time-shifted pool as its only source. A shared machine can stall a workflow thread past Temporal's 1 s deadlock
         * detector: a false alarm fails the workflow task and retries it later, which would be measured as loop time.
         * And at 10,000 users 20 CPU-bound shard activities at once on 2 cores starve each other's heartbeats (10 s) and
         * are retried over and over: run two per core, the rest wait in Temporal's queue.
         */
        static WorkerFactory startWorker(TemporalConnection temporal, FsConfig config, TimeShiftedUsageSource source, Path state,
                                         String workerQueue) {
            Models models = Models.forLoop(config, source.firstDays(3), false, new PrintStream(java.io.OutputStream.nullOutputStream()));
            ControlWorkerConfig worker = Wiring.controlWorker(config, models).withStateDir(state)
                    .withActuator(new io.foresight.core.actuate.SimulatedCluster(state.resolve("cluster")))
                    .withUsageSources(r -> source).withMetrics(new PrometheusRegistry());
            return ControlWorker.start(temporal.client, worker, new io.foresight.activities.controlloop.FileStateStore(worker.stateDir()),
                    io.temporal.worker.WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(30_000)
                            .setMaxConcurrentActivityExecutionSize(2 * Runtime.getRuntime().availableProcessors()).build(),
                    workerQueue);
        }

        static Path defaultTrace(FsConfig config) {
            Path full = config.path("data.full.dir", config.get("data.full.dir", "../shared/data")).resolve("bitbrains-rnd/2013-07.csv.gz");
            return Files.isRegularFile(full) ? full : config.path("data.slice", config.get("data.slice", "data/bitbrains-slice"));
        }
    }

    /**
     * {@code bench loop-worker}: one control worker process of {@code bench loop --workers W} (started by it, not by
     * hand): the bench's worker wiring, polling the shared control queue and {@code --queue}; writes its heap in use and
     * CPU time every 100 ms to {@code --samples} (one line {@code wall_ms cpu_ns heap_bytes}) until it is stopped.
     */
    @Command(name = "loop-worker", hidden = true, description = "One control worker process of bench loop --workers (internal).")
    static final class LoopWorker implements Callable<Integer> {
        @Option(names = "--users", required = true)
        int users;
        @Option(names = "--trace", required = true)
        Path trace;
        @Option(names = "--state", required = true)
        Path state;
        @Option(names = "--queue", required = true)
        String queue;
        @Option(names = "--samples", required = true)
        Path samples;

        @Override
        public Integer call() throws Exception {
            FsConfig config = FsConfig.load();
            TimeShiftedUsageSource source = new TimeShiftedUsageSource(BitbrainsReader.read(List.of(trace)), users, Wiring.WARMUP_STEPS);
            try (TemporalConnection temporal = openPatiently(config);
                 java.io.BufferedWriter w = Files.newBufferedWriter(samples)) {
                WorkerFactory factory = Loop.startWorker(temporal, config, source, state, queue);
                System.out.println("ready " + queue);
                System.out.flush();
                Runtime.getRuntime().addShutdownHook(new Thread(factory::shutdownNow, "bench-worker-stop"));
                Path gcNow = samples.resolveSibling(samples.getFileName() + ".gc");
                while (true) {
                    if (Files.exists(gcNow)) {
                        // asked by the bench after the loop: what this worker still holds (its users' histories), as
                        // the in-process bench reports it after a GC
                        Files.delete(gcNow);
                        System.gc();
                        w.write("after-gc " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + "\n");
                    }
                    w.write(System.currentTimeMillis() + " " + HeapSampler.processCpuNanos() + " "
                            + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + "\n");
                    w.flush();
                    Thread.sleep(100);
                }
            }
        }
    }

    /** The server answered the parent a moment ago: on a loaded machine a child's first health check may still time out. */
    static TemporalConnection openPatiently(FsConfig config) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return TemporalConnection.open(config);
            } catch (RuntimeException e) {
                if (attempt == 5) {
                    throw e;
                }
                System.out.println("Temporal not reachable yet (attempt " + attempt + " of 5): " + e.getMessage());
                Thread.sleep(2_000);
            }
        }
    }

    /** A child worker JVM of {@code bench loop --workers}: its queue, its log and its samples. */
    static final class Child {
        final String queue;
        final String heap;
        final Process process;
        final Path log;
        final Path samples;

        private Child(String queue, String heap, Process process, Path log, Path samples) {
            this.queue = queue;
            this.heap = heap;
            this.process = process;
            this.log = log;
            this.samples = samples;
        }

        static Child start(int index, String pool, int users, Path trace, Path state, String heap) throws java.io.IOException {
            String xmx = heap != null ? heap : (Runtime.getRuntime().maxMemory() / 1048576) + "m";
            String queue = TaskQueues.CONTROL + "@" + pool + "-w" + index;
            Path log = state.resolve("worker-" + index + ".log");
            Path samples = state.resolve("worker-" + index + ".samples");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // this JVM's flags (e.g. --add-opens) but its heap and recordings
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!a.startsWith("-Xmx") && !a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-agentlib")) {
                    cmd.add(a);
                }
            }
            cmd.addAll(List.of("-Xmx" + xmx, "-cp", System.getProperty("java.class.path"), ForesightCli.class.getName(),
                    "bench", "loop-worker", "--users", String.valueOf(users), "--trace", trace.toString(),
                    "--state", state.toString(), "--queue", queue, "--samples", samples.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Child(queue, xmx, p, log, samples);
        }

        void awaitReady(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("worker " + queue + " exited: " + Files.readString(log));
                }
                if (Files.isRegularFile(log) && Files.readString(log).contains("ready " + queue)) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("worker " + queue + " not ready within " + timeout + "; log " + log);
        }

        /** Asks the worker for its heap after a GC (it writes {@code after-gc BYTES} to its samples; {@link #afterGc} reads it). */
        void requestGc() throws Exception {
            Files.createFile(samples.resolveSibling(samples.getFileName() + ".gc"));
        }

        long afterGc(Duration wait) throws Exception {
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline && process.isAlive()) {
                for (String line : Files.readAllLines(samples)) {
                    if (line.startsWith("after-gc ")) {
                        return Long.parseLong(line.substring("after-gc ".length()).trim());
                    }
                }
                Thread.sleep(200);
            }
            return -1;
        }

        void stop() {
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** (wall ms, cpu ns) and the heap peak from its samples. */
        HeapSampler read() throws java.io.IOException {
            HeapSampler h = new HeapSampler();
            for (String line : Files.readAllLines(samples)) {
                String[] f = line.trim().split(" ");
                if (f.length == 3) {
                    h.cpu.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
                    h.peak.accumulateAndGet(Long.parseLong(f[2]), Math::max);
                }
            }
            return h;
        }
    }

    /**
     * Per worker process: the shards whose collect it ran in the first and the last cycle (read from the history: the
     * task queue each collect was scheduled on), its heap peak and its CPU per later cycle.
     */
    static void printWorkers(PrintStream out, List<Cycle> cycles, List<Child> children) throws Exception {
        for (Child c : children) {
            c.requestGc();
        }
        out.printf(Locale.ROOT, "%-40s %10s %11s %13s %13s %14s%n", "worker queue", "shards c0", "shards last", "heap_peak_MiB",
                "after_GC_MiB", "cpu_ms/cycle>0");
        double total = 0;
        for (Child c : children) {
            long afterGc = c.afterGc(Duration.ofSeconds(60));
            HeapSampler s = c.read();
            double cpuMs = cycles.size() < 2 ? 0 : cycles.subList(1, cycles.size()).stream()
                    .mapToDouble(x -> (s.cpuAt(x.endMs()) - s.cpuAt(x.startMs())) / 1e6).average().orElse(0);
            total += cpuMs;
            out.printf(Locale.ROOT, "%-40s %10d %11d %13.0f %13.0f %14.0f%n", c.queue,
                    cycles.isEmpty() ? 0 : cycles.get(0).collectsOn().getOrDefault(c.queue, 0),
                    cycles.isEmpty() ? 0 : cycles.get(cycles.size() - 1).collectsOn().getOrDefault(c.queue, 0),
                    s.peak() / 1048576.0, afterGc / 1048576.0, cpuMs);
        }
        if (!cycles.isEmpty()) {
            out.printf(Locale.ROOT, "collects on the shared queue: first cycle %d, last %d%n",
                    cycles.get(0).collectsOn().getOrDefault(TaskQueues.CONTROL, 0),
                    cycles.get(cycles.size() - 1).collectsOn().getOrDefault(TaskQueues.CONTROL, 0));
        }
        out.printf(Locale.ROOT, "worker processes' CPU per later cycle: %.0f ms in all (sampled every 100 ms)%n", total);
        out.printf(Locale.ROOT, "load average at the end: %.1f on %d cores%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
    }

    static final List<String> STAGES = List.of("Collect", "Predict", "Plan", "CheckPoolPolicy", "Allocate", "Monitor", "Feedback");

    /** One cycle as the history shows it. */
    record Cycle(int index, long startMs, long endMs, Map<String, long[]> stages, int events, long bytes,
                 Map<String, Integer> collectsOn) {
        Cycle(int index, long startMs, long endMs, Map<String, long[]> stages, int events, long bytes) {
            this(index, startMs, endMs, stages, events, bytes, Map.of());
        }

        long wallMs() {
            return endMs - startMs;
        }

        long stageMs(String stage) {
            long[] s = stages.get(stage);
            return s == null ? 0 : s[1] - s[0];
        }
    }

    /**
     * Splits a loop's history into cycles (a cycle starts at its first collect scheduled) and times each stage:
     * from its first activity scheduled to its last completed.
     */
    static List<Cycle> cycles(List<HistoryEvent> events) {
        Map<Long, String> typeOf = new HashMap<>();
        List<Cycle> out = new ArrayList<>();
        Map<String, long[]> stages = null;
        long start = 0;
        long end = 0;
        int count = 0;
        long bytes = 0;
        String lastScheduled = "";
        Map<String, Integer> collects = null;
        for (HistoryEvent e : events) {
            long at = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
            if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
                String type = e.getActivityTaskScheduledEventAttributes().getActivityType().getName();
                typeOf.put(e.getEventId(), type);
                if (type.equals("Collect") && !lastScheduled.equals("Collect")) {
                    if (stages != null) {
                        out.add(new Cycle(out.size(), start, end, stages, count, bytes, collects));
                    }
                    collects = new java.util.TreeMap<>();
                    stages = new LinkedHashMap<>();
                    start = at;
                    count = 0;
                    bytes = 0;
                }
                lastScheduled = type;
                if (type.equals("Collect") && collects != null) {
                    collects.merge(e.getActivityTaskScheduledEventAttributes().getTaskQueue().getName(), 1, Integer::sum);
                }
                if (stages != null) {
                    stages.computeIfAbsent(type, k -> new long[] {at, at})[0] = Math.min(stages.get(type)[0], at);
                }
            } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && stages != null) {
                String type = typeOf.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
                long[] s = stages.get(type);
                if (s != null) {
                    s[1] = Math.max(s[1], at);
                    end = Math.max(end, at);
                }
            }
            if (stages != null) {
                count++;
                bytes += e.getSerializedSize();
            }
        }
        if (stages != null) {
            out.add(new Cycle(out.size(), start, end, stages, count, bytes, collects));
        }
        return out;
    }

    static void print(PrintStream out, List<Cycle> cycles, double wallSeconds, LoopState end) {
        out.printf(Locale.ROOT, "%-6s %8s", "cycle", "wall_ms");
        for (String s : STAGES) {
            out.printf(Locale.ROOT, " %8s", s.equals("CheckPoolPolicy") ? "policy" : s.toLowerCase(Locale.ROOT));
        }
        out.printf(Locale.ROOT, " %7s %11s%n", "events", "history_KiB");
        for (Cycle c : cycles) {
            row(out, String.valueOf(c.index()), c.wallMs(), STAGES.stream().mapToLong(c::stageMs).toArray(), c.events(), c.bytes());
        }
        if (cycles.size() > 1) {
            List<Cycle> later = cycles.subList(1, cycles.size());
            long[] st = new long[STAGES.size()];
            for (int i = 0; i < st.length; i++) {
                int k = i;
                st[i] = Math.round(later.stream().mapToLong(c -> c.stageMs(STAGES.get(k))).average().orElse(0));
            }
            row(out, "mean>0", Math.round(later.stream().mapToLong(Cycle::wallMs).average().orElse(0)), st,
                    (int) Math.round(later.stream().mapToInt(Cycle::events).average().orElse(0)),
                    Math.round(later.stream().mapToLong(Cycle::bytes).average().orElse(0)));
            long[] walls = later.stream().mapToLong(Cycle::wallMs).sorted().toArray();
            // the median (lower middle for an even count) and the slowest: a shared machine makes single cycles slow
            out.printf(Locale.ROOT, "later cycles' wall time: p50 %d ms, max %d ms%n", walls[(walls.length - 1) / 2],
                    walls[walls.length - 1]);
        }
        out.printf(Locale.ROOT, "loop: %d cycles in %.1f s end to end (workflow start to result); %d failed; last outcome %d users observed%n",
                end.cycle(), wallSeconds, end.failedCycles(), end.lastOutcome() == null ? 0 : end.lastOutcome().users());
    }

    private static void row(PrintStream out, String label, long wall, long[] stages, int events, long bytes) {
        out.printf(Locale.ROOT, "%-6s %8d", label, wall);
        for (long s : stages) {
            out.printf(Locale.ROOT, " %8d", s);
        }
        out.printf(Locale.ROOT, " %7d %11.1f%n", events, bytes / 1024.0);
    }

    /**
     * CPU the worker process used per later cycle (every thread: activities, Temporal client, GC) and the load average:
     * on a shared machine a cycle's wall time is mostly waiting for a core, its CPU time is what the loop costs.
     */
    static void printCpu(PrintStream out, List<Cycle> cycles, HeapSampler samples) {
        if (cycles.size() > 1) {
            double cpuMs = cycles.subList(1, cycles.size()).stream()
                    .mapToDouble(c -> (samples.cpuAt(c.endMs()) - samples.cpuAt(c.startMs())) / 1e6).average().orElse(0);
            out.printf(Locale.ROOT, "worker process CPU per later cycle: %.0f ms (all threads; sampled every 100 ms)%n", cpuMs);
        }
        out.printf(Locale.ROOT, "load average at the end: %.1f on %d cores%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
    }

    /** The largest heap use seen, sampled every 100 ms (what the worker needed at its peak), and the process's CPU time. */
    static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private volatile boolean running = true;
        private Thread thread;
        /** (wall ms, process CPU ns) every 100 ms. */
        private final java.util.concurrent.ConcurrentSkipListMap<Long, Long> cpu = new java.util.concurrent.ConcurrentSkipListMap<>();

        static long processCpuNanos() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : 0;
        }

        /** The process's CPU time at wall time {@code ms} (the nearest sample before it). */
        long cpuAt(long ms) {
            java.util.Map.Entry<Long, Long> e = cpu.floorEntry(ms);
            return e == null ? 0 : e.getValue();
        }

        static HeapSampler start() {
            HeapSampler h = new HeapSampler();
            h.thread = new Thread(() -> {
                while (h.running) {
                    h.cpu.put(System.currentTimeMillis(), processCpuNanos());
                    h.peak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap");
            h.thread.setDaemon(true);
            h.thread.start();
            return h;
        }

        void stop() {
            running = false;
            thread.interrupt();
        }

        long peak() {
            return peak.get();
        }
    }
}
