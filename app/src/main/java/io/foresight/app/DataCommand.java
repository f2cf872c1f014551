package io.foresight.app;

import io.foresight.collect.store.DuckDbStore;
import io.foresight.collect.store.StoreLoader;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.TraceFormat;
import io.foresight.core.trace.ValidationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `foresight data check|load|export`: validate traces, load them into the store, export Parquet. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Validate traces (Bitbrains CSV, SWF job logs), load them into the store, export Parquet.",
        subcommands = {DataCommand.Check.class, DataCommand.Load.class, DataCommand.Export.class, DataCommand.Serve.class,
            DataCommand.Bench.class})
public final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Splits the comma-separated paths into groups by detected format (each read as one source). */
    static Map<TraceFormat, List<Path>> byFormat(String paths) {
        Map<TraceFormat, List<Path>> m = new LinkedHashMap<>();
        for (Path p : BitbrainsReader.paths(paths)) {
            m.computeIfAbsent(TraceFormat.detect(p), f -> new ArrayList<>()).add(p);
        }
        return m;
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read and validate trace files; print accepted/repaired/quarantined per source and user.")
    static final class Check implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PATH[,PATH...]", description = "Bitbrains CSV or SWF files (gzip or plain), comma-separated")
        String paths;
        @Option(names = "--top", defaultValue = "15", description = "users listed per source (by quarantined, then accepted); default ${DEFAULT-VALUE}")
        int top;
        @Option(names = "--all", description = "list every user")
        boolean all;
        @Option(names = "--examples", defaultValue = "3", description = "quarantined lines shown per source; default ${DEFAULT-VALUE}")
        int examples;

        /** 0 when every source has usable rows; 1 when a source has none (each such source gets one line on stderr). */
        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<String> unusable = new ArrayList<>();
            for (var e : byFormat(paths).entrySet()) {
                Trace t = e.getKey().readTrace(e.getValue());
                printReport(out, e.getKey(), e.getValue(), t, all ? Integer.MAX_VALUE : top, examples);
                ValidationReport r = t.report();
                if (r.acceptedTotal() + r.repairedTotal() == 0) {
                    String reason = r.reasonTotals().entrySet().stream().max(Map.Entry.comparingByValue())
                            .map(Map.Entry::getKey).orElse("the files have no data rows");
                    unusable.add(String.format(Locale.ROOT, "no usable row in source %s %s: %d quarantined, most often: %s."
                            + " Fix: check that the files are %s traces (see the examples above)",
                            r.source(), e.getValue(), r.quarantinedTotal(), reason, e.getKey()));
                }
            }
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            unusable.forEach(u -> err.println("foresight: " + u));
            err.flush();
            return unusable.isEmpty() ? 0 : 1;
        }
    }

    static void printReport(PrintWriter out, TraceFormat format, List<Path> files, Trace t, int top, int examples) {
        ValidationReport r = t.report();
        out.printf(Locale.ROOT, "== source %s (%s): %s%n", r.source(), format, files);
        out.printf(Locale.ROOT, "   users with data: %d, intervals: %d (step %d s)%n", t.users().size(), t.intervals(), t.stepSeconds());
        out.printf(Locale.ROOT, "   TOTAL accepted %d, repaired %d, quarantined %d%n",
                r.acceptedTotal(), r.repairedTotal(), r.quarantinedTotal());
        r.reasonTotals().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(x -> out.printf(Locale.ROOT, "   quarantined %8d  %s%n", x.getValue(), x.getKey()));
        r.repairTotals().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(x -> out.printf(Locale.ROOT, "   repaired    %8d  %s%n", x.getValue(), x.getKey()));
        List<Map.Entry<String, ValidationReport.Counts>> users = new ArrayList<>(r.perUser().entrySet());
        users.sort(Comparator.<Map.Entry<String, ValidationReport.Counts>>comparingLong(x -> -x.getValue().quarantined())
                .thenComparingLong(x -> -x.getValue().accepted()).thenComparing(Map.Entry::getKey));
        out.printf(Locale.ROOT, "   %-12s %10s %10s %11s  %s%n", "user", "accepted", "repaired", "quarantined", "reasons");
        int shown = 0;
        for (var u : users) {
            if (shown++ == top) {
                out.printf(Locale.ROOT, "   ... %d more users (use --all to list them)%n", users.size() - top);
                break;
            }
            ValidationReport.Counts c = u.getValue();
            out.printf(Locale.ROOT, "   %-12s %10d %10d %11d  %s%n", u.getKey(), c.accepted(), c.repaired(), c.quarantined(),
                    c.reasons().isEmpty() ? "" : c.reasons());
        }
        int n = 0;
        for (ValidationReport.QuarantinedRecord q : r.quarantinedRecords()) {
            if (n++ == examples) {
                break;
            }
            out.printf(Locale.ROOT, "   e.g. line %d (%s): %s%n", q.line(), q.reason(), abbreviate(q.raw()));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Validate trace files and load usage, job records and quarantine into the store.")
    static final class Load implements Runnable {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PATH[,PATH...]", description = "Bitbrains CSV or SWF files, comma-separated")
        String paths;
        @Option(names = "--store", required = true, description = "store directory (the DuckDB file is DIR/foresight.duckdb)")
        Path store;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (DuckDbStore s = DuckDbStore.open(storeFile(store))) {
                for (var e : byFormat(paths).entrySet()) {
                    long t0 = System.nanoTime();
                    StoreLoader.Result res = new StoreLoader(s).loadFiles(e.getValue());
                    double secs = (System.nanoTime() - t0) / 1e9;
                    out.printf(Locale.ROOT, "loaded %s %s: %d usage rows of %d users, %d job records, %d quarantined records"
                                    + " (all kept in the quarantine table) in %d transactions, %.1f s%n",
                            e.getKey().sourceName(), e.getValue(), res.usageRows(), res.users(), res.executions(),
                            res.quarantined(), res.batches(), secs);
                }
                out.printf(Locale.ROOT, "store %s now holds %s%n", storeFile(store), s.counts());
            }
            out.flush();
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export every store table to Parquet (for Spark).")
    static final class Export implements Runnable {
        @Spec
        CommandSpec spec;
        @Option(names = "--store", required = true, description = "store directory")
        Path store;
        @Option(names = "--to", required = true, description = "output directory for <table>.parquet")
        Path to;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (DuckDbStore s = DuckDbStore.open(DuckDbStore.Options.defaults(storeFile(store)).readOnly(true))) {
                s.exportParquet(to).forEach((f, n) -> out.printf(Locale.ROOT, "%s: %d rows%n", f, n));
            }
            out.flush();
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the ingestion API (docs/ingest-api.md) on the store until interrupted."
                    + " Needs FORESIGHT_INGEST_TOKEN; FORESIGHT_INGEST_HOST/PORT/MAX_BODY/MAX_RECORDS/THREADS/QUEUE,"
                    + " _TLS_KEYSTORE/_TLS_PASSWORD and the plausible maxima (_MAX_CPU, ...) are optional.")
    static final class Serve implements Runnable {
        @Spec
        CommandSpec spec;
        @Option(names = "--store", required = true, description = "store directory")
        Path store;

        @Override
        public void run() {
            io.foresight.collect.api.IngestServer.Config cfg = io.foresight.collect.api.IngestServer.Config.fromEnv(System.getenv());
            DuckDbStore s = DuckDbStore.open(storeFile(store));
            io.foresight.collect.api.IngestServer server = io.foresight.collect.api.IngestServer.start(cfg, s);
            spec.commandLine().getOut().printf(Locale.ROOT, "ingest API on %s://%s:%d (store %s); Ctrl-C stops it%n",
                    server.tls() ? "https" : "http", cfg.bind().getHostString(), server.port(), storeFile(store));
            spec.commandLine().getOut().flush();
            java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                s.close();
                stop.countDown();
            }));
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Measure ingestion throughput on the real traces: trace read, store load, SWF read, HTTP API.")
    static final class Bench implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--bitbrains", defaultValue = "${env:FORESIGHT_DATA_FULL_DIR:-../shared/data}/bitbrains-rnd/2013-07.csv.gz,${env:FORESIGHT_DATA_FULL_DIR:-../shared/data}/bitbrains-rnd/2013-08.csv.gz",
                description = "Bitbrains files, comma-separated; default ${DEFAULT-VALUE}")
        String bitbrains;
        @Option(names = "--swf", defaultValue = "${env:FORESIGHT_DATA_FULL_DIR:-../shared/data}/pwa/LCG.swf.gz", description = "SWF job log; default ${DEFAULT-VALUE}")
        Path swf;
        @Option(names = "--api-records", defaultValue = "100000", description = "records sent to the HTTP API; default ${DEFAULT-VALUE}")
        int apiRecords;
        @Option(names = "--api-batch", defaultValue = "500", description = "records per request; default ${DEFAULT-VALUE}")
        int apiBatch;
        @Option(names = "--api-clients", defaultValue = "2", description = "concurrent HTTP clients; default ${DEFAULT-VALUE}")
        int apiClients;

        @Override
        public Integer call() throws Exception {
            io.foresight.collect.bench.IngestBenchmark.run(System.out, BitbrainsReader.paths(bitbrains), swf,
                    apiRecords, apiBatch, apiClients, null);
            return 0;
        }
    }

    static Path storeFile(Path dir) {
        return dir.resolve("foresight.duckdb");
    }
}
