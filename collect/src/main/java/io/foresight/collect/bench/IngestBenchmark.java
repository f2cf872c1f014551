package io.foresight.collect.bench;

import io.foresight.collect.api.IngestServer;
import io.foresight.collect.source.TraceFileSource;
import io.foresight.collect.store.DuckDbStore;
import io.foresight.collect.store.StoreLoader;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Ingestion throughput on the real traces: trace reading (rows/s), store load (rows/s), SWF
 * reading (jobs/s) and the HTTP ingestion API over loopback (records/s), each with the heap and
 * RSS high-water marks. Prints numbers; it is not a test.
 *
 * <pre>
 * java -Xmx6g -cp ... io.foresight.collect.bench.IngestBenchmark \
 *     [--bitbrains PATH[,PATH..]] [--swf PATH] [--api-records N] [--api-batch N] [--api-clients N] [--work DIR]
 * </pre>
 */
public final class IngestBenchmark {
    private IngestBenchmark() {}

    public static void main(String[] args) throws Exception {
        String bitbrains = System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/bitbrains-rnd/2013-07.csv.gz," + System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/bitbrains-rnd/2013-08.csv.gz";
        String swf = System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/pwa/LCG.swf.gz";
        int apiRecords = 100_000;
        int apiBatch = 500;
        int apiClients = 2;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--bitbrains" -> { bitbrains = v; i++; }
                case "--swf" -> { swf = v; i++; }
                case "--api-records" -> { apiRecords = Integer.parseInt(v); i++; }
                case "--api-batch" -> { apiBatch = Integer.parseInt(v); i++; }
                case "--api-clients" -> { apiClients = Integer.parseInt(v); i++; }
                case "--work" -> { work = Path.of(v); i++; }
                default -> throw new IllegalArgumentException("unknown option " + a
                        + ": use --bitbrains, --swf, --api-records, --api-batch, --api-clients, --work");
            }
        }
        run(System.out, BitbrainsReader.paths(bitbrains), swf == null || swf.isBlank() ? null : Path.of(swf),
                apiRecords, apiBatch, apiClients, work);
    }

    public static void run(PrintStream out, List<Path> bitbrains, Path swf, int apiRecords, int apiBatch, int apiClients,
                           Path work) throws Exception {
        boolean tmp = work == null;
        Path dir = tmp ? Files.createTempDirectory("foresight-bench") : Files.createDirectories(work);
        out.printf(Locale.ROOT, "JVM max heap %.1f GiB, %d CPUs%n", Runtime.getRuntime().maxMemory() / 1073741824.0,
                Runtime.getRuntime().availableProcessors());
        try {
            // 1. trace reader
            resetPeaks();
            double c0 = cpuSecs();
            long t0 = System.nanoTime();
            Trace trace = BitbrainsReader.read(bitbrains);
            double s = secs(t0);
            out.printf(Locale.ROOT, "  (bitbrains read used %.1f CPU s)%n", cpuSecs() - c0);
            long rows = trace.report().acceptedTotal() + trace.report().quarantinedTotal();
            out.printf(Locale.ROOT, "bitbrains read:  %,d rows (%d VMs, %,d accepted, %,d repaired, %,d quarantined) in %.1f s"
                            + " = %,.0f rows/s; peak heap %s%n", rows, trace.users().size(), trace.report().acceptedTotal(),
                    trace.report().repairedTotal(), trace.report().quarantinedTotal(), s, rows / s, peakHeap());

            // 2. store load
            resetPeaks();
            try (DuckDbStore store = DuckDbStore.open(dir.resolve("bench.duckdb"))) {
                c0 = cpuSecs();
                t0 = System.nanoTime();
                StoreLoader.Result r = new StoreLoader(store).load("bitbrains", trace, List.of());
                s = secs(t0);
                out.printf(Locale.ROOT, "  (store load used %.1f CPU s)%n", cpuSecs() - c0);
                out.printf(Locale.ROOT, "store load:      %,d usage rows in %d transactions in %.1f s = %,.0f rows/s; peak heap %s%n",
                        r.usageRows(), r.batches(), s, r.usageRows() / s, peakHeap());
                t0 = System.nanoTime();
                var stats = store.userStats(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
                out.printf(Locale.ROOT, "store query:     per-user mean/peak of %d users over all rows in %.2f s%n", stats.size(), secs(t0));
                t0 = System.nanoTime();
                var latest = store.latest(86_400, 300);
                out.printf(Locale.ROOT, "store query:     latest 1-day window (288 steps) of each of %d users in %.2f s%n",
                        latest.size(), secs(t0));
                t0 = System.nanoTime();
                var pool = store.poolTotals(1_372_636_800L, 1_372_636_800L + 7 * 86_400, 3600);
                out.printf(Locale.ROOT, "store query:     pool totals, 1 week hourly (%d steps) in %.2f s%n", pool.size(), secs(t0));
                t0 = System.nanoTime();
                var files = store.exportParquet(dir.resolve("parquet"));
                long bytes = 0;
                for (Path f : files.keySet()) {
                    bytes += Files.size(f);
                }
                out.printf(Locale.ROOT, "parquet export:  %,d rows to %,d bytes in %.1f s%n",
                        files.values().stream().mapToLong(Long::longValue).sum(), bytes, secs(t0));
            }
            trace = null;

            // 3. SWF
            if (swf != null) {
                resetPeaks();
                c0 = cpuSecs();
                t0 = System.nanoTime();
                TraceFileSource src = new TraceFileSource(List.of(swf));
                Trace st = src.read();
                s = secs(t0);
                out.printf(Locale.ROOT, "  (swf read used %.1f CPU s)%n", cpuSecs() - c0);
                out.printf(Locale.ROOT, "swf read:        %,d jobs (%d users, %,d quarantined) -> %,d user-steps in %.1f s = %,.0f jobs/s;"
                                + " peak heap %s%n", src.executions().size(), st.users().size(), st.report().quarantinedTotal(),
                        st.intervals(), s, src.executions().size() / s, peakHeap());
            }

            // 4. HTTP ingestion API over loopback
            if (apiRecords > 0) {
                resetPeaks();
                c0 = cpuSecs();
                apiBench(out, dir.resolve("api.duckdb"), apiRecords, apiBatch, apiClients);
                out.printf(Locale.ROOT, "  (http api, server and clients in this process, used %.1f CPU s)%n", cpuSecs() - c0);
            }
            out.printf(Locale.ROOT, "process peak RSS %s%n", peakRss());
        } finally {
            if (tmp) {
                try (Stream<Path> w = Files.walk(dir)) {
                    w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
                if (Files.exists(dir)) {
                    out.println("warning: could not fully remove the work directory " + dir + "; delete it by hand");
                }
            }
        }
    }

    private static void apiBench(PrintStream out, Path storeFile, int records, int batch, int clients) throws Exception {
        String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
        try (DuckDbStore store = DuckDbStore.open(storeFile);
             IngestServer server = IngestServer.start(IngestServer.Config.of(0, token), store)) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/executions");
            int batches = (records + batch - 1) / batch;
            List<String> bodies = new ArrayList<>();
            long base = 1_700_000_000L;
            for (int b = 0; b < batches; b++) {
                StringBuilder sb = new StringBuilder("{\"records\":[");
                for (int i = 0; i < batch && b * batch + i < records; i++) {
                    int n = b * batch + i;
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append("{\"job_id\":\"j").append(n).append("\",\"program\":\"prog").append(n % 37)
                            .append("\",\"user\":\"user").append(n % 400).append("\",\"start\":").append(base + n)
                            .append(",\"end\":").append(base + n + 600).append(",\"resources\":{\"cpu\":").append(1 + n % 8)
                            .append(",\"memory\":").append(2.5).append("},\"depends_on\":[").append(n > 0 ? "\"j" + (n - 1) + "\"" : "")
                            .append("]}");
                }
                bodies.add(sb.append("]}").toString());
            }
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long t0 = System.nanoTime();
            List<Future<Long>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                final int client = c;
                fs.add(pool.submit(() -> {
                    long accepted = 0;
                    for (int b = client; b < bodies.size(); b += clients) {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(bodies.get(b)))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
                        }
                        accepted += Long.parseLong(r.body().replaceAll(".*\"accepted\":(\\d+).*", "$1"));
                    }
                    return accepted;
                }));
            }
            long accepted = 0;
            for (Future<Long> f : fs) {
                accepted += f.get();
            }
            double s = secs(t0);
            pool.shutdown();
            out.printf(Locale.ROOT, "http api:        %,d records in %d batches of %d from %d clients, acknowledged after commit,"
                            + " in %.1f s = %,.0f records/s (%.1f ms/batch); store holds %,d; peak heap %s%n",
                    accepted, bodies.size(), batch, clients, s, accepted / s, s * 1000 / bodies.size() * clients,
                    store.counts().get("executions"), peakHeap());
        }
    }

    /** CPU seconds this process used so far (all threads): with 8 people on 2 cores, wall time alone misleads. */
    private static double cpuSecs() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peaks since the last reset (an upper bound of the live peak). */
    private static String peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return String.format(Locale.ROOT, "%.2f GiB", sum / 1073741824.0);
    }

    /** VmHWM from /proc (Linux): the resident-set high-water mark of this process, including DuckDB's native memory. */
    private static String peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(l.replaceAll("\\D+", ""));
                    return String.format(Locale.ROOT, "%.2f GiB", kb / 1048576.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "n/a (" + e.getMessage() + ")";
        }
        return "n/a";
    }
}
