package io.foresight.app.stack;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Puts the repo's real Bitbrains slice into the local stack's Prometheus, so that a loop on a live Prometheus source
 * ({@code examples/pool-prometheus.yaml}) has real usage to read on a fresh clone: one gauge per resource in
 * Foresight's units ({@link #METRIC}), labelled {@code user=<VM>}, written as TSDB blocks by {@code promtool tsdb
 * create-blocks-from openmetrics} and moved into Prometheus's data directory (a running Prometheus picks them up at
 * its next block reload, about a minute). Done once per state directory: a marker records the slice it loaded.
 */
public final class PrometheusBackfill {
    /** The gauge per resource, in {@link Resource} order. */
    public static final List<String> METRIC = List.of("foresight_usage_cpu_cores", "foresight_usage_memory_gib",
            "foresight_usage_network_mbps", "foresight_usage_disk_mbps");

    /** The slice a fresh clone carries (data/bitbrains-slice/PROVENANCE.md). */
    public static final String SLICE = "data/bitbrains-slice/bitbrains-rnd-2013-07-01_14d_20vms.csv.gz";

    private PrometheusBackfill() {
    }

    /**
     * Writes every user's usage as OpenMetrics gauges, each user's samples up to {@code lastTimestamp(user)}
     * inclusive (a test can make an exporter go silent).
     */
    public static void writeOpenMetrics(Trace trace, BufferedWriter w, ToLongFunction<String> lastTimestamp) throws IOException {
        for (Resource r : Resource.values()) {
            String metric = METRIC.get(r.ordinal());
            w.write("# TYPE " + metric + " gauge\n");
            for (UserSeries s : trace.users().values()) {
                long stop = lastTimestamp.applyAsLong(s.user());
                for (int i = 0; i < s.size() && s.timestamp(i) <= stop; i++) {
                    double v = s.usage(r, i);
                    if (!Double.isNaN(v)) {
                        w.write(metric + "{user=\"" + s.user() + "\"} " + v + " " + s.timestamp(i) + "\n");
                    }
                }
            }
        }
        w.write("# EOF\n");
    }

    /** Runs promtool to turn an OpenMetrics file into TSDB blocks under {@code blocks}; a failure names promtool's output. */
    public static void createBlocks(Path promtool, Path openMetrics, Path blocks, Path log) throws IOException, InterruptedException {
        Files.createDirectories(blocks);
        Process p = new ProcessBuilder(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics", "-q",
                // day-long blocks: 14 instead of 168 two-hour ones for the bundled slice, the same queries
                "--max-block-duration=24h", openMetrics.toString(), blocks.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("promtool did not finish in 10 minutes (log " + log + ")");
        }
        if (p.exitValue() != 0) {
            throw new IOException("promtool exited " + p.exitValue() + ": " + Files.readString(log).strip().replace('\n', ' '));
        }
    }

    /**
     * Loads the bundled slice into the stack's Prometheus data directory unless it was loaded before; says what it
     * did on {@code out}. Without promtool or the slice it says so and leaves Prometheus as it is.
     */
    static void bundledSliceOnce(FsConfig config, Path dataDir, PrintStream out) {
        Path promtool = Path.of(config.get("prometheus.promtool", "/usr/bin/promtool"));
        Path slice = config.home().resolve(SLICE);
        Path marker = dataDir.getParent().resolve("backfilled-slice");
        if (Files.exists(marker)) {
            return;
        }
        if (!Files.isExecutable(promtool) || !Files.isRegularFile(slice)) {
            out.println("prometheus: the bundled slice was not loaded (" + (Files.isExecutable(promtool) ? "no " + slice
                    : "no promtool at " + promtool) + "); examples/pool-prometheus.yaml will find no series."
                    + " Fix: apt-get install prometheus (it has promtool), or set FORESIGHT_PROMETHEUS_PROMTOOL");
            return;
        }
        Path work = dataDir.getParent().resolve("backfill");
        try {
            long t0 = System.nanoTime();
            deleteTree(work);
            Files.createDirectories(work);
            Trace trace = BitbrainsReader.read(List.of(slice));
            Path om = work.resolve("slice.om");
            try (BufferedWriter w = Files.newBufferedWriter(om)) {
                writeOpenMetrics(trace, w, user -> Long.MAX_VALUE);
            }
            Path blocks = work.resolve("blocks");
            createBlocks(promtool, om, blocks, work.resolve("promtool.log"));
            Files.createDirectories(dataDir);
            try (Stream<Path> made = Files.list(blocks)) {
                for (Path b : made.toList()) {
                    // a block is a directory named by its ULID; a rename into the data directory is atomic
                    Files.move(b, dataDir.resolve(b.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.writeString(marker, slice.getFileName() + " " + trace.userIds().size() + " users\n");
            deleteTree(work);
            out.printf("prometheus: loaded the bundled slice (%d VMs, %s) as %s in %.0f s%n", trace.userIds().size(),
                    slice.getFileName(), String.join(", ", METRIC), (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            out.println("prometheus: the bundled slice was not loaded: " + e.getMessage().replace('\n', ' ')
                    + ". Fix: check " + work + "; ./foresight stack up tries again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
