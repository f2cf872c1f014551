package io.foresight.app;

import io.foresight.activities.ControlWorker;
import io.foresight.activities.ControlWorkerConfig;
import io.foresight.activities.controlloop.TimeShiftedUsageSource;
import io.foresight.app.stack.FsConfig;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.engine.UserDirectory;
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
import java.util.function.LongBinaryOperator;
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

        @Option(names = "--warmup", defaultValue = "1", description = "Cycles left out of the steady-state figures (default "
                + "${DEFAULT-VALUE}: the first, which builds every history; more leave the JIT time to compile the hot code, as a "
                + "worker that runs for days has). The figures after the first cycle are printed as well.")
        int warmup;

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

        @Option(names = "--team-sizes", defaultValue = "50,100,150,200", description = "Users per team, repeated over the pool in "
                + "its order (default ${DEFAULT-VALUE}: teams of 50 to 200 users, 125 on average, each with the default team "
                + "budget); 0: every user in the one default team.")
        String teamSizes;

        @Override
        public Integer call() throws Exception {
            if (users < 1 || cycles < 1 || shardSize < 1 || shards < 0 || workers < 1) {
                throw new IllegalArgumentException("--users, --cycles, --shard-size and --workers must be >= 1 and --shards >= 0. Fix: e.g. --users 1000 --cycles 5 --shards 4");
            }
            if (warmup < 1 || warmup >= cycles) {
                throw new IllegalArgumentException("--warmup " + warmup + " leaves no cycle to measure out of --cycles " + cycles
                        + " (the first cycle is always warm-up). Fix: e.g. --cycles 12 --warmup 6");
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
            UserDirectory teams = teams(source.users(), teamSizes);
            int real = source.realUsers();
            out.printf(Locale.ROOT, "bench loop: %d users (%d real Bitbrains VMs of %s%s), %s, %d cycles; read in %.1f s%n",
                    users, real, file.getFileName(), users > real ? ", the rest time-shifted views of them (copy k of a VM "
                            + "replays it rotated by 37*k intervals; no copy of the trace is made)" : "",
                    shards > 0 ? shards + " shards of " + (users + shards - 1) / shards + " users" : "shards of " + shardSize + " users", cycles,
                    (System.nanoTime() - t0) / 1e9);
            out.println("teams: " + describe(source.users(), teams));
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
                        factory = startWorker(temporal, config, source, teams, state, ControlWorker.defaultWorkerQueue());
                    } else {
                        for (int w = 0; w < workers; w++) {
                            children.add(Child.start(w, pool, users, teamSizes, file, state, workerHeap));
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
                    List<HeapSampler> cpu = new ArrayList<>();
                    if (children.isEmpty()) {
                        cpu.add(heap);
                    } else {
                        for (Child c : children) {
                            cpu.add(c.read());
                        }
                    }
                    print(out, measured, warmup, (from, to) -> cpu.stream().mapToLong(s -> s.cpuAt(to) - s.cpuAt(from)).sum(),
                            children.isEmpty() ? "the worker process" : "the " + children.size() + " worker processes");
                    out.printf(Locale.ROOT, "loop: %d cycles in %.1f s end to end (workflow start to result); %d failed; last outcome %d users observed%n",
                            end.cycle(), wall, end.failedCycles(), end.lastOutcome() == null ? 0 : end.lastOutcome().users());
                    if (!children.isEmpty()) {
                        printWorkers(out, measured, warmup, children);
                    }
                    out.printf(Locale.ROOT, "load average at the end: %.1f on %d cores%n",
                            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
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
        static WorkerFactory startWorker(TemporalConnection temporal, FsConfig config, TimeShiftedUsageSource source, UserDirectory teams,
                                         Path state, String workerQueue) {
            Models models = Models.forLoop(config, source.firstDays(3), false, new PrintStream(java.io.OutputStream.nullOutputStream()));
            ControlWorkerConfig worker = Wiring.controlWorker(config, models).withStateDir(state)
                    .withActuator(new io.foresight.core.actuate.SimulatedCluster(state.resolve("cluster")))
                    .withUsageSources(r -> source).withMetrics(new PrometheusRegistry()).withProfiles(teams::base);
            return ControlWorker.start(temporal.client, worker, new io.foresight.activities.controlloop.FileStateStore(worker.stateDir()),
                    io.temporal.worker.WorkerOptions.newBuilder()
                            .setDefaultDeadlockDetectionTimeout(30_000)
                            .setMaxConcurrentActivityExecutionSize(2 * Runtime.getRuntime().availableProcessors()).build(),
                    workerQueue);
        }

        /**
         * The pool's teams: consecutive users in the pool's order, team k taking sizes[k mod n] users (a platform's pool is
         * many teams of tens to hundreds of users, each with its budget, not one team of every user); "0": one team.
         */
        static UserDirectory teams(List<String> users, String sizes) {
            int[] n;
            try {
                n = java.util.Arrays.stream(sizes.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                n = new int[] {-1};
            }
            if (n.length == 1 && n[0] == 0) {
                return UserDirectory.DEFAULTS;
            }
            if (java.util.Arrays.stream(n).anyMatch(x -> x < 1)) {
                throw new IllegalArgumentException("--team-sizes " + sizes + " is not a list of team sizes >= 1 (or 0 for one team). "
                        + "Fix: e.g. --team-sizes 50,100,150,200");
            }
            UserDirectory.Entry base = UserDirectory.DEFAULTS.defaults();
            Map<String, UserDirectory.Entry> entries = new HashMap<>();
            int team = 0;
            int left = n[0];
            for (String u : users) {
                if (left == 0) {
                    team++;
                    left = n[team % n.length];
                }
                entries.put(u, new UserDirectory.Entry(String.format(Locale.ROOT, "team-%04d", team), base.tier(), base.spot()));
                left--;
            }
            return new UserDirectory(base, entries);
        }

        static String describe(List<String> users, UserDirectory teams) {
            Map<String, Integer> size = new HashMap<>();
            users.forEach(u -> size.merge(teams.entry(u).team(), 1, Integer::sum));
            java.util.IntSummaryStatistics st = size.values().stream().mapToInt(Integer::intValue).summaryStatistics();
            return String.format(Locale.ROOT, "%d team(s) of %d to %d users (mean %.0f), each with the default team budget of "
                    + "the bundled thresholds", size.size(), st.getMin(), st.getMax(), st.getAverage());
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
        @Option(names = "--team-sizes", required = true)
        String teamSizes;

        @Override
        public Integer call() throws Exception {
            FsConfig config = FsConfig.load();
            TimeShiftedUsageSource source = new TimeShiftedUsageSource(BitbrainsReader.read(List.of(trace)), users, Wiring.WARMUP_STEPS);
            try (TemporalConnection temporal = openPatiently(config);
                 java.io.BufferedWriter w = Files.newBufferedWriter(samples)) {
                WorkerFactory factory = Loop.startWorker(temporal, config, source, Loop.teams(source.users(), teamSizes), state, queue);
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

        static Child start(int index, String pool, int users, String teamSizes, Path trace, Path state, String heap) throws java.io.IOException {
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
                    "--state", state.toString(), "--queue", queue, "--samples", samples.toString(), "--team-sizes", teamSizes));
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
    static void printWorkers(PrintStream out, List<Cycle> cycles, int warmup, List<Child> children) throws Exception {
        for (Child c : children) {
            c.requestGc();
        }
        out.printf(Locale.ROOT, "%-40s %10s %11s %13s %13s %14s %14s%n", "worker queue", "shards c0", "shards last", "heap_peak_MiB",
                "after_GC_MiB", "cpu_ms p50>0", "cpu_ms p50>=" + warmup);
        for (Child c : children) {
            long afterGc = c.afterGc(Duration.ofSeconds(60));
            HeapSampler s = c.read();
            LongBinaryOperator cpu = (from, to) -> s.cpuAt(to) - s.cpuAt(from);
            out.printf(Locale.ROOT, "%-40s %10d %11d %13.0f %13.0f %14.0f %14.0f%n", c.queue,
                    cycles.isEmpty() ? 0 : cycles.get(0).collectsOn().getOrDefault(c.queue, 0),
                    cycles.isEmpty() ? 0 : cycles.get(cycles.size() - 1).collectsOn().getOrDefault(c.queue, 0),
                    s.peak() / 1048576.0, afterGc / 1048576.0,
                    Stats.of(after(cycles, 1).stream().mapToDouble(x -> cpu.applyAsLong(x.startMs(), x.endMs()) / 1e6).toArray()).p50(),
                    Stats.of(after(cycles, warmup).stream().mapToDouble(x -> cpu.applyAsLong(x.startMs(), x.endMs()) / 1e6).toArray()).p50());
        }
        if (!cycles.isEmpty()) {
            out.printf(Locale.ROOT, "collects on the shared queue: first cycle %d, last %d%n",
                    cycles.get(0).collectsOn().getOrDefault(TaskQueues.CONTROL, 0),
                    cycles.get(cycles.size() - 1).collectsOn().getOrDefault(TaskQueues.CONTROL, 0));
        }
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

    /** The cycles from index {@code from} on (none if there are fewer). */
    static List<Cycle> after(List<Cycle> cycles, int from) {
        return cycles.size() <= from ? List.of() : cycles.subList(from, cycles.size());
    }

    /** p50 (the lower middle for an even count, as before) and p90 (nearest rank) of some cycles' values. */
    record Stats(int n, double p50, double p90) {
        static Stats of(double[] values) {
            if (values.length == 0) {
                return new Stats(0, Double.NaN, Double.NaN);
            }
            double[] v = values.clone();
            java.util.Arrays.sort(v);
            // nearest rank: the smallest value with at least 90 % of the cycles at or below it
            return new Stats(v.length, v[(v.length - 1) / 2], v[(int) Math.ceil(0.9 * v.length) - 1]);
        }
    }

    /**
     * Every cycle's wall time, stages, history size and CPU, then p50 and p90 over the cycles after the first (what a
     * freshly started worker shows) and over the cycles after {@code warmup} (steady state: a worker runs for days, so
     * its JIT has long compiled the hot code). {@code cpu} gives the worker processes' CPU nanoseconds between two wall
     * clock times (sampled every 100 ms, so a stage's CPU is read to about 0.1 s per worker).
     */
    static void print(PrintStream out, List<Cycle> cycles, int warmup, LongBinaryOperator cpu, String who) {
        out.printf(Locale.ROOT, "%-10s %8s", "cycle", "wall_ms");
        for (String s : STAGES) {
            out.printf(Locale.ROOT, " %8s", stageLabel(s));
        }
        out.printf(Locale.ROOT, " %7s %11s %8s%n", "events", "history_KiB", "cpu_ms");
        for (Cycle c : cycles) {
            row(out, String.valueOf(c.index()), c.wallMs(), STAGES.stream().mapToDouble(c::stageMs).toArray(), c.events(),
                    c.bytes(), cpu.applyAsLong(c.startMs(), c.endMs()) / 1e6);
        }
        summary(out, cycles, 1, cpu);
        if (warmup > 1) {
            summary(out, cycles, warmup, cpu);
        }
        out.printf(Locale.ROOT, "CPU per stage (%s, all threads; ms):%n", who);
        out.printf(Locale.ROOT, "%-10s %8s", "", "cycle");
        for (String s : STAGES) {
            out.printf(Locale.ROOT, " %8s", stageLabel(s));
        }
        out.println();
        for (int from : warmup > 1 ? new int[] {1, warmup} : new int[] {1}) {
            List<Cycle> measured = after(cycles, from);
            if (measured.isEmpty()) {
                continue;
            }
            for (boolean p90 : new boolean[] {false, true}) {
                out.printf(Locale.ROOT, "%-10s %8.0f", (p90 ? "p90>=" : "p50>=") + from,
                        pick(Stats.of(measured.stream().mapToDouble(c -> cpu.applyAsLong(c.startMs(), c.endMs()) / 1e6).toArray()), p90));
                for (String s : STAGES) {
                    out.printf(Locale.ROOT, " %8.0f", pick(Stats.of(measured.stream().mapToDouble(c -> {
                        long[] w = c.stages().get(s);
                        return w == null ? 0 : cpu.applyAsLong(w[0], w[1]) / 1e6;
                    }).toArray()), p90));
                }
                out.println();
            }
        }
        List<Cycle> first = after(cycles, 1);
        List<Cycle> steady = after(cycles, warmup);
        if (!steady.isEmpty()) {
            Stats w1 = Stats.of(first.stream().mapToDouble(Cycle::wallMs).toArray());
            Stats ws = Stats.of(steady.stream().mapToDouble(Cycle::wallMs).toArray());
            Stats c1 = Stats.of(first.stream().mapToDouble(c -> cpu.applyAsLong(c.startMs(), c.endMs()) / 1e6).toArray());
            Stats cs = Stats.of(steady.stream().mapToDouble(c -> cpu.applyAsLong(c.startMs(), c.endMs()) / 1e6).toArray());
            out.printf(Locale.ROOT, "after the first cycle (%d cycles): wall p50 %.0f ms, p90 %.0f ms; CPU p50 %.0f ms, p90 %.0f ms per cycle%n",
                    w1.n(), w1.p50(), w1.p90(), c1.p50(), c1.p90());
            out.printf(Locale.ROOT, "steady state (cycles %d-%d, %d warm-up cycle(s) left out): wall p50 %.0f ms, p90 %.0f ms; "
                    + "CPU p50 %.0f ms, p90 %.0f ms per cycle (%s)%n", warmup, cycles.size() - 1, warmup, ws.p50(), ws.p90(),
                    cs.p50(), cs.p90(), who);
        }
    }

    private static String stageLabel(String stage) {
        return stage.equals("CheckPoolPolicy") ? "policy" : stage.toLowerCase(Locale.ROOT);
    }

    private static double pick(Stats s, boolean p90) {
        return p90 ? s.p90() : s.p50();
    }

    /** p50 and p90 rows of the cycles from {@code from} on (wall, stages, history, CPU). */
    private static void summary(PrintStream out, List<Cycle> cycles, int from, LongBinaryOperator cpu) {
        List<Cycle> m = after(cycles, from);
        if (m.isEmpty()) {
            return;
        }
        for (boolean p90 : new boolean[] {false, true}) {
            double[] st = new double[STAGES.size()];
            for (int i = 0; i < st.length; i++) {
                String s = STAGES.get(i);
                st[i] = pick(Stats.of(m.stream().mapToDouble(c -> c.stageMs(s)).toArray()), p90);
            }
            row(out, (p90 ? "p90>=" : "p50>=") + from, pick(Stats.of(m.stream().mapToDouble(Cycle::wallMs).toArray()), p90), st,
                    pick(Stats.of(m.stream().mapToDouble(Cycle::events).toArray()), p90),
                    pick(Stats.of(m.stream().mapToDouble(Cycle::bytes).toArray()), p90),
                    pick(Stats.of(m.stream().mapToDouble(c -> cpu.applyAsLong(c.startMs(), c.endMs()) / 1e6).toArray()), p90));
        }
    }

    private static void row(PrintStream out, String label, double wall, double[] stages, double events, double bytes, double cpuMs) {
        out.printf(Locale.ROOT, "%-10s %8.0f", label, wall);
        for (double s : stages) {
            out.printf(Locale.ROOT, " %8.0f", s);
        }
        out.printf(Locale.ROOT, " %7.0f %11.1f %8.0f%n", events, bytes / 1024.0, cpuMs);
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
