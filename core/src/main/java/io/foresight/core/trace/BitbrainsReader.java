package io.foresight.core.trace;

import io.foresight.core.model.Resource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads the Bitbrains per-VM CSV (GWA-T-12, one row per VM and 5-minute sample, gzip or plain)
 * into regular 300-second series, one user per VM.
 *
 * <p>Units: CPU cores used = usage MHz / (capacity MHz / cores); memory GiB; network and disk
 * MB/s (sums of both directions). Validation: malformed lines, NaN, negative values and usage
 * above capacity beyond {@link #CAPACITY_TOLERANCE} are quarantined. Safe repairs are counted:
 * out-of-order rows are sorted, duplicate slots de-duplicated, gaps of at most
 * {@link #MAX_FILLED_GAP} steps filled by carrying the last value forward. Longer gaps stay NaN,
 * meaning "not observed": consumers skip them.
 */
public final class BitbrainsReader {
    public static final String HEADER =
            "vm,timestamp,cpu_cores,cpu_capacity_mhz,cpu_usage_mhz,mem_capacity_kb,mem_usage_kb,"
                    + "disk_read_kbs,disk_write_kbs,net_rx_kbs,net_tx_kbs";
    public static final int STEP_SECONDS = 300;
    /** Usage may exceed provisioned capacity by this fraction (hypervisor accounting jitter). */
    public static final double CAPACITY_TOLERANCE = 0.10;
    public static final int MAX_FILLED_GAP = 3;
    /** Longest time one VM's samples may span (two years); a sample farther from the others is a bad timestamp. */
    public static final long MAX_SPAN_SECONDS = 2L * 366 * 86_400;
    /** 2100-01-01: a later timestamp is not Unix seconds (milliseconds, or garbage). */
    static final long MAX_TIMESTAMP = 4_102_444_800L;
    private static final int COLUMNS = 11;
    private static final double KB_PER_GIB = 1024.0 * 1024.0;

    private BitbrainsReader() {}

    /** True if the file starts like a Bitbrains CSV (after gunzip where needed) and is not the Azure 2017 sample. */
    public static boolean looksLike(Path file) {
        return Layout.of(file) == Layout.BITBRAINS;
    }

    /**
     * What a file in these columns observed. Bitbrains records all four resources; the Azure 2017 sample
     * (shared/data/azure2017) reuses the columns for CPU only and writes 0 for memory, disk and network, which
     * must be read as "not observed" (NaN), never as a zero demand.
     */
    enum Layout {
        BITBRAINS("bitbrains"),
        AZURE2017("azure2017");

        /** The Azure sample's VM ids carry this prefix; Bitbrains ids are numbers. */
        static final String AZURE_VM_PREFIX = "az_";
        final String source;

        Layout(String source) {
            this.source = source;
        }

        /** The layout of a file by content (header, then the first data row's VM id), or null if not these columns. */
        static Layout of(Path file) {
            try (BufferedReader r = open(file)) {
                String first = r.readLine();
                if (first == null || !first.trim().equals(HEADER)) {
                    return null;
                }
                String row;
                while ((row = r.readLine()) != null && row.isBlank()) {
                    // skip blank lines, as the reader does
                }
                return row != null && row.trim().startsWith(AZURE_VM_PREFIX) ? AZURE2017 : BITBRAINS;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Why an otherwise well-formed row does not belong to this layout, or null. */
        String reject(double[] v) {
            if (this == AZURE2017) {
                for (int c = 4; c < COLUMNS - 1; c++) {
                    if (v[c] != 0) {
                        return "nonzero " + HEADER.split(",")[c + 1] + ": the Azure 2017 sample has CPU only (memory, disk"
                                + " and network columns are 0)";
                    }
                }
                return null;
            }
            double memCap = v[4], memUse = v[5];
            return memCap > 0 && memUse > memCap * (1 + CAPACITY_TOLERANCE) ? "memory usage above capacity beyond tolerance" : null;
        }

        /** Writes one accepted row into slot s; resources this layout did not observe stay NaN. */
        void fill(double[] v, double[][] usage, double[][] cap, int s) {
            double cores = v[1], capMhz = v[2], useMhz = v[3];
            usage[0][s] = useMhz / (capMhz / cores);
            cap[0][s] = cores;
            if (this == BITBRAINS) {
                usage[1][s] = v[5] / KB_PER_GIB;
                cap[1][s] = v[4] / KB_PER_GIB;
                usage[2][s] = (v[8] + v[9]) / 1024.0;
                usage[3][s] = (v[6] + v[7]) / 1024.0;
            }
        }
    }

    static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        in = new java.io.BufferedInputStream(in, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * Reads every VM of the given files (e.g. consecutive months), concatenated per VM. A file that is the Azure
     * 2017 sample (same columns, CPU only) is read as {@link AzureReader} reads it: memory, disk and network NaN.
     */
    public static Trace read(List<Path> files) {
        return read(files, Integer.MAX_VALUE);
    }

    /** Reads at most {@code maxUsers} VMs (the first in file order), for quick runs. */
    public static Trace read(List<Path> files, int maxUsers) {
        Layout layout = layoutOf(files);
        return read(files, maxUsers, new ValidationReport(layout.source), layout);
    }

    /** Reads every VM, recording validation in the given report (e.g. one that streams its quarantine). */
    public static Trace read(List<Path> files, ValidationReport report) {
        return read(files, Integer.MAX_VALUE, report, layoutOf(files));
    }

    /** The common layout of the files (Bitbrains when unreadable: reading then fails with the precise cause). */
    static Layout layoutOf(List<Path> files) {
        Layout common = null;
        for (Path f : files) {
            Layout l = Layout.of(f);
            if (l == null) {
                continue;
            }
            if (common != null && l != common) {
                throw new TraceFormatException(f + " is " + l.source + " but an earlier file is " + common.source
                        + ": one trace must come from one format. Fix: read them separately");
            }
            common = l;
        }
        return common == null ? Layout.BITBRAINS : common;
    }

    static Trace read(List<Path> files, int maxUsers, ValidationReport report, Layout layout) {
        if (files.isEmpty()) {
            throw new TraceFormatException("no trace file given: pass at least one Bitbrains CSV file");
        }
        Map<String, Raw> raws = new LinkedHashMap<>();
        for (Path f : files) {
            readFile(f, raws, report, maxUsers, layout);
        }
        Map<String, UserSeries> users = new LinkedHashMap<>();
        for (var e : raws.entrySet()) {
            UserSeries s = e.getValue().toSeries(e.getKey(), report, layout);
            if (s != null) {
                users.put(e.getKey(), s);
            }
        }
        return new Trace(STEP_SECONDS, users, report);
    }

    private static void readFile(Path file, Map<String, Raw> raws, ValidationReport report, int maxUsers, Layout layout) {
        String src = file.getFileName().toString();
        try (BufferedReader r = open(file)) {
            String header = r.readLine();
            if (header == null) {
                throw new TraceFormatException(file + " is empty: expected a Bitbrains CSV with header '" + HEADER + "'");
            }
            if (!header.trim().equals(HEADER)) {
                throw new TraceFormatException(file + " is not a Bitbrains CSV: its first line is '"
                        + abbreviate(header) + "' but should be '" + HEADER
                        + "'. Fix: pass a file in the format of shared/data/bitbrains-rnd (or an SWF job log with .swf)");
            }
            String line;
            long lineNo = 1;
            String[] f = new String[COLUMNS];
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                int n = split(line, f);
                String vm = n > 0 ? f[0].trim() : null;
                if (n != COLUMNS) {
                    report.quarantine(lineNo, vm, "malformed line: " + n + " fields instead of " + COLUMNS, src + ": " + line);
                    continue;
                }
                Raw raw = raws.get(vm);
                if (raw == null) {
                    if (raws.size() >= maxUsers) {
                        continue;
                    }
                    raw = new Raw();
                    raws.put(vm, raw);
                }
                double[] v = new double[COLUMNS - 1];
                String bad = null;
                for (int i = 1; i < COLUMNS && bad == null; i++) {
                    try {
                        v[i - 1] = Double.parseDouble(f[i]);
                    } catch (NumberFormatException e) {
                        bad = "wrong type: column " + HEADER.split(",")[i] + " is not a number ('" + abbreviate(f[i]) + "')";
                        continue;
                    }
                    if (Double.isNaN(v[i - 1]) || Double.isInfinite(v[i - 1])) {
                        bad = "NaN or infinite " + HEADER.split(",")[i];
                    } else if (v[i - 1] < 0) {
                        bad = "negative " + HEADER.split(",")[i];
                    }
                }
                if (bad == null && v[0] >= MAX_TIMESTAMP) {
                    bad = "timestamp after 2100-01-01 (" + f[1].trim() + "): not Unix seconds";
                }
                if (bad == null) {
                    double cores = v[1], capMhz = v[2], useMhz = v[3];
                    if (cores <= 0 || capMhz <= 0) {
                        bad = "no provisioned CPU (cpu_cores or cpu_capacity_mhz is 0)";
                    } else if (useMhz > capMhz * (1 + CAPACITY_TOLERANCE)) {
                        bad = "cpu usage above capacity beyond tolerance";
                    } else {
                        bad = layout.reject(v);
                    }
                }
                if (bad != null) {
                    report.quarantine(lineNo, vm, bad, src + ": " + line);
                    continue;
                }
                raw.add((long) v[0], v, lineNo);
            }
        } catch (NoSuchFileException e) {
            throw new TraceFormatException("trace file not found: " + file
                    + ". Fix: check the path (the full traces live in shared/data/bitbrains-rnd)");
        } catch (java.util.zip.ZipException e) {
            throw new TraceFormatException(file + " looks gzipped but is corrupt (" + e.getMessage()
                    + "). Fix: re-copy the file or pass the uncompressed CSV");
        } catch (IOException e) {
            throw new TraceFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Splits on commas without regex or allocation beyond the field strings. */
    private static int split(String line, String[] out) {
        int n = 0;
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == ',') {
                if (n < out.length) {
                    out[n] = line.substring(start, i);
                }
                n++;
                start = i + 1;
            }
        }
        return n;
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Accepted rows of one VM, in arrival order. */
    private static final class Raw {
        long[] ts = new long[1024];
        double[][] rows = new double[1024][];
        long[] lines = new long[1024];
        int n;

        void add(long t, double[] v, long line) {
            if (n == ts.length) {
                ts = Arrays.copyOf(ts, n * 2);
                rows = Arrays.copyOf(rows, n * 2);
                lines = Arrays.copyOf(lines, n * 2);
            }
            ts[n] = t;
            rows[n] = v;
            lines[n] = line;
            n++;
        }

        /**
         * Quarantines samples more than half of {@link #MAX_SPAN_SECONDS} away from the VM's median time (needs
         * sorted samples): one wrong timestamp would otherwise stretch the VM's grid over decades.
         */
        void dropOutliers(String user, ValidationReport report) {
            long median = ts[n / 2];
            long half = MAX_SPAN_SECONDS / 2;
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (Math.abs(ts[i] - median) <= half) {
                    ts[kept] = ts[i];
                    rows[kept] = rows[i];
                    lines[kept] = lines[i];
                    kept++;
                } else {
                    StringBuilder rawText = new StringBuilder(user);
                    for (double x : rows[i]) {
                        rawText.append(',').append(x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x));
                    }
                    report.quarantine(lines[i], user, "timestamp more than " + half / 86_400 + " days away from the VM's"
                            + " other samples (median " + median + "): a wrong clock or unit", rawText.toString());
                }
            }
            n = kept;
        }

        UserSeries toSeries(String user, ValidationReport report, Layout layout) {
            if (n == 0) {
                return null;
            }
            Integer[] order = null;
            boolean sorted = true;
            for (int i = 1; i < n && sorted; i++) {
                sorted = ts[i] >= ts[i - 1];
            }
            if (!sorted) {
                order = new Integer[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                final long[] t = ts;
                Arrays.sort(order, (a, b) -> Long.compare(t[a], t[b]));
                long[] ts2 = new long[n];
                double[][] rows2 = new double[n][];
                long moved = 0;
                for (int i = 0; i < n; i++) {
                    ts2[i] = ts[order[i]];
                    rows2[i] = rows[order[i]];
                    if (order[i] != i) {
                        moved++;
                    }
                }
                long[] lines2 = new long[n];
                for (int i = 0; i < n; i++) {
                    lines2[i] = lines[order[i]];
                }
                ts = ts2;
                rows = rows2;
                lines = lines2;
                report.repaired(user, "sorted out-of-order sample", moved);
            }
            dropOutliers(user, report);
            long t0 = Math.floorDiv(ts[0], STEP_SECONDS) * STEP_SECONDS;
            int slots = (int) ((ts[n - 1] - t0) / STEP_SECONDS) + 1;
            long[] grid = new long[slots];
            double[][] usage = new double[Resource.COUNT][slots];
            double[][] cap = new double[Resource.COUNT][slots];
            for (int r = 0; r < Resource.COUNT; r++) {
                Arrays.fill(usage[r], Double.NaN);
                Arrays.fill(cap[r], Double.NaN);
            }
            for (int s = 0; s < slots; s++) {
                grid[s] = t0 + (long) s * STEP_SECONDS;
            }
            boolean[] filled = new boolean[slots];
            long accepted = 0;
            long dupes = 0;
            for (int i = 0; i < n; i++) {
                int s = (int) Math.round((ts[i] - t0) / (double) STEP_SECONDS);
                if (s >= slots) {
                    s = slots - 1;
                }
                if (filled[s]) {
                    dupes++;
                    continue;
                }
                filled[s] = true;
                accepted++;
                layout.fill(rows[i], usage, cap, s);
            }
            report.accepted(user, accepted);
            if (dupes > 0) {
                report.repaired(user, "dropped duplicate sample of the same 5-minute slot", dupes);
            }
            // Carry short gaps forward; long gaps stay NaN (not observed).
            long gapFilled = 0;
            int s = 0;
            while (s < slots) {
                if (filled[s]) {
                    s++;
                    continue;
                }
                int end = s;
                while (end < slots && !filled[end]) {
                    end++;
                }
                if (s > 0 && end < slots && end - s <= MAX_FILLED_GAP) {
                    for (int k = s; k < end; k++) {
                        for (int r = 0; r < Resource.COUNT; r++) {
                            usage[r][k] = usage[r][s - 1];
                            cap[r][k] = cap[r][s - 1];
                        }
                        gapFilled++;
                    }
                }
                s = end;
            }
            if (gapFilled > 0) {
                report.repaired(user, "filled short gap (<= " + MAX_FILLED_GAP + " steps) with last value", gapFilled);
            }
            return new UserSeries(user, STEP_SECONDS, grid, usage, cap);
        }
    }

    /** Convenience for one file. */
    public static Trace read(Path file) {
        return read(List.of(file));
    }

    /** Parses a comma-separated list of paths as the CLI accepts them. */
    public static List<Path> paths(String commaSeparated) {
        List<Path> out = new ArrayList<>();
        for (String p : commaSeparated.split(",")) {
            if (!p.isBlank()) {
                out.add(Path.of(p.trim()));
            }
        }
        return out;
    }
}
