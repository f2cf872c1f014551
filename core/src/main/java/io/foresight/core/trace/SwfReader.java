package io.foresight.core.trace;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads job logs in the Standard Workload Format (SWF, Parallel Workloads Archive; gzip or plain)
 * into program-execution history ({@link ExecutionRecord}) and into per-user demand: the average
 * number of cores each user had running in every 5-minute step.
 *
 * <p>SWF has 18 whitespace-separated numeric fields per job; -1 means "unknown". Times are
 * seconds relative to the header's {@code UnixStartTime}. Memory (field 7, KB per processor)
 * becomes memory demand only when every job of a user records it; network and disk are never in
 * SWF and stay NaN.
 *
 * <p>Validation (nothing dropped silently): lines with the wrong number of fields or non-numeric
 * fields, unknown or negative runtimes, unknown users (-1), no processor count, negative submit
 * times, duplicate jobs and jobs cancelled before they ran (status 5, runtime 0) are quarantined
 * with their reason. Repairs are counted: unknown wait time (the job is taken to start at submit)
 * and unknown allocated processors (the requested count is used).
 */
public final class SwfReader {
    public static final int STEP_SECONDS = 300;
    public static final int FIELDS = 18;
    private static final double KB_PER_GIB = 1024.0 * 1024.0;
    /** Longest plausible run time and wait of one job; longer is a unit mistake or garbage. */
    public static final long MAX_JOB_SECONDS = 366L * 86_400;
    /** Latest plausible submit time relative to the log's start: the longest real logs span a few years. */
    public static final long MAX_LOG_SPAN_SECONDS = 10L * 366 * 86_400;
    /** 2100-01-01: later absolute times are not Unix seconds. */
    static final long MAX_TIMESTAMP = 4_102_444_800L;
    static final String[] FIELD_NAMES = {
        "job number", "submit time", "wait time", "run time", "allocated processors", "average cpu time",
        "used memory", "requested processors", "requested time", "requested memory", "status", "user id",
        "group id", "executable number", "queue number", "partition number", "preceding job", "think time"};

    /** Execution records of one or more SWF logs plus the validation report of reading them. */
    public record Log(List<ExecutionRecord> records, ValidationReport report) {
        public Log {
            records = List.copyOf(records);
        }
    }

    private SwfReader() {}

    /** True if the file looks like SWF: ';' header comments or a first data line of 18 numbers. */
    public static boolean looksLike(Path file) {
        try (BufferedReader r = BitbrainsReader.open(file)) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.trim();
                if (t.isEmpty()) {
                    continue;
                }
                if (t.startsWith(";")) {
                    return true;
                }
                String[] f = t.split("\\s+");
                if (f.length != FIELDS) {
                    return false;
                }
                for (String s : f) {
                    Double.parseDouble(s);
                }
                return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Per-user demand (cores in use per 5 minutes) of the given SWF logs. */
    public static Trace read(List<Path> files) {
        return toTrace(readLog(files));
    }

    /** The program-execution history of the given SWF logs, validated. */
    public static Log readLog(List<Path> files) {
        return readLog(files, new ValidationReport("swf"));
    }

    /** As {@link #readLog(List)}, recording validation in the given report (e.g. one that streams its quarantine). */
    public static Log readLog(List<Path> files, ValidationReport report) {
        if (files.isEmpty()) {
            throw new TraceFormatException("no job log given: pass at least one SWF file");
        }
        List<ExecutionRecord> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Path f : files) {
            readFile(f, out, seen, report);
        }
        return new Log(out, report);
    }

    private static void readFile(Path file, List<ExecutionRecord> out, Set<String> seenAcrossFiles, ValidationReport report) {
        String src = file.getFileName().toString();
        long unixStart = 0;
        boolean sawData = false;
        Map<Long, Long> jobLine = new HashMap<>();
        try (BufferedReader r = BitbrainsReader.open(file)) {
            String line;
            long lineNo = 0;
            double[] v = new double[FIELDS];
            String[] f = new String[FIELDS + 1];
            while ((line = r.readLine()) != null) {
                lineNo++;
                String t = line.trim();
                if (t.isEmpty()) {
                    continue;
                }
                if (t.startsWith(";")) {
                    if (!sawData) {
                        Long start = headerLong(t, "UnixStartTime");
                        if (start != null) {
                            if (start < 0 || start >= MAX_TIMESTAMP) {
                                throw new TraceFormatException(file + ": SWF header UnixStartTime " + start + " is not Unix"
                                        + " seconds between 1970 and 2100. Fix: correct the header (e.g. '; UnixStartTime: 1136070024')");
                            }
                            unixStart = start;
                        }
                    }
                    continue;
                }
                if (!sawData && t.indexOf(',') >= 0) {
                    throw new TraceFormatException(file + " is not an SWF job log: line " + lineNo + " '"
                            + BitbrainsReader.abbreviate(t) + "' has commas. Fix: pass a Standard Workload Format file"
                            + " (18 whitespace-separated fields) or a Bitbrains CSV");
                }
                sawData = true;
                int nf = tokenize(t, f);
                String user = nf >= 12 ? f[11] : null;
                if (nf != FIELDS) {
                    report.quarantine(lineNo, user, "malformed line: " + nf + " fields instead of " + FIELDS, src + ": " + line);
                    continue;
                }
                String bad = null;
                for (int i = 0; i < FIELDS && bad == null; i++) {
                    try {
                        v[i] = parseNumber(f[i]);
                        if (Double.isNaN(v[i]) || Double.isInfinite(v[i])) {
                            bad = "wrong type: " + FIELD_NAMES[i] + " is not a finite number ('" + f[i] + "')";
                        }
                    } catch (NumberFormatException e) {
                        bad = "wrong type: " + FIELD_NAMES[i] + " is not a number ('" + BitbrainsReader.abbreviate(f[i]) + "')";
                    }
                }
                if (bad == null) {
                    for (int i : new int[] {0, 11, 12, 13, 14, 15, 16}) {
                        if (v[i] != Math.rint(v[i])) {
                            bad = "wrong type: " + FIELD_NAMES[i] + " must be an integer ('" + f[i] + "')";
                            break;
                        }
                    }
                }
                long jobId = (long) v[0];
                long submit = (long) v[1];
                long wait = (long) v[2];
                long run = (long) v[3];
                int status = (int) v[10];
                long userId = (long) v[11];
                if (bad == null) {
                    if (jobId < 0) {
                        bad = "missing job number (" + f[0] + ")";
                    } else if (userId < 0) {
                        bad = "missing user (user id -1)";
                    } else if (submit < 0) {
                        bad = "negative or unknown submit time (" + f[1] + ")";
                    } else if (status == 5 && run <= 0) {
                        bad = "cancelled before it ran (status 5, runtime " + run + "): no demand";
                    } else if (run < 0) {
                        bad = run == -1 ? "unknown runtime (-1)" : "negative runtime (" + f[3] + ")";
                    } else if (wait < -1) {
                        bad = "negative wait time (" + f[2] + ")";
                    } else if (v[4] <= 0 && v[7] <= 0) {
                        bad = "no processor count (allocated and requested are both unknown)";
                    } else if (run > MAX_JOB_SECONDS || wait > MAX_JOB_SECONDS) {
                        bad = "implausible " + (run > MAX_JOB_SECONDS ? "run time (" + f[3] : "wait time (" + f[2])
                                + " s, more than " + MAX_JOB_SECONDS / 86_400 + " days): not seconds";
                    } else if (submit > MAX_LOG_SPAN_SECONDS
                            || unixStart + submit + Math.max(wait, 0) + run >= MAX_TIMESTAMP) {
                        bad = "implausible submit time (" + f[1] + " s after the log's UnixStartTime " + unixStart
                                + "): the job would end after 2100 or more than 10 years into the log";
                    }
                }
                if (bad == null) {
                    Long first = jobLine.putIfAbsent(jobId, lineNo);
                    if (first != null) {
                        bad = "duplicate job number " + jobId + " (first seen on line " + first + ")";
                    } else if (!seenAcrossFiles.add(jobId + "@" + (unixStart + submit) + "/" + userId)) {
                        bad = "duplicate job " + jobId + " submitted at " + (unixStart + submit) + " (already read from an earlier file)";
                    }
                }
                String userKey = user;
                if (bad != null) {
                    report.quarantine(lineNo, userKey, bad, src + ": " + line);
                    continue;
                }
                userKey = Long.toString(userId);
                double cores = v[4];
                if (cores <= 0) {
                    cores = v[7];
                    report.repaired(userKey, "allocated processors unknown: used requested processors", 1);
                }
                if (wait == -1) {
                    wait = 0;
                    report.repaired(userKey, "wait time unknown (-1): job taken to start at submit", 1);
                }
                double memGib = v[6] >= 0 ? v[6] * cores / KB_PER_GIB : Double.NaN;
                long absSubmit = unixStart + submit;
                long start = absSubmit + wait;
                out.add(new ExecutionRecord(Long.toString(jobId), userKey, v[12] < 0 ? null : Long.toString((long) v[12]),
                        v[13] < 0 ? null : "exe-" + (long) v[13],
                        v[14] < 0 ? null : "queue-" + (long) v[14],
                        absSubmit, start, start + run,
                        ResourceVector.of(cores, memGib, Double.NaN, Double.NaN),
                        ExecutionRecord.Status.ofSwf(status),
                        v[16] > 0 ? List.of(Long.toString((long) v[16])) : List.of()));
                report.accepted(userKey, 1);
            }
            if (!sawData) {
                throw new TraceFormatException(file + " has no jobs: expected SWF lines of " + FIELDS
                        + " numbers after the ';' header. Fix: pass a non-empty SWF job log");
            }
        } catch (NoSuchFileException e) {
            throw new TraceFormatException("job log not found: " + file
                    + ". Fix: check the path (the LCG log lives in shared/data/pwa/LCG.swf.gz)");
        } catch (java.util.zip.ZipException e) {
            throw new TraceFormatException(file + " looks gzipped but is corrupt (" + e.getMessage()
                    + "). Fix: re-copy the file or pass the uncompressed SWF");
        } catch (IOException e) {
            throw new TraceFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Splits on runs of spaces/tabs into {@code out} (up to its length); returns the field count. */
    private static int tokenize(String s, String[] out) {
        int n = 0;
        int i = 0;
        int len = s.length();
        while (i < len) {
            while (i < len && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            if (i == len) {
                break;
            }
            int start = i;
            while (i < len && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
                i++;
            }
            if (n < out.length) {
                out[n] = s.substring(start, i);
            }
            n++;
        }
        return n;
    }

    /** Integers (nearly every SWF field) without the cost of Double.parseDouble. */
    private static double parseNumber(String s) {
        int len = s.length();
        if (len > 0 && len < 18) {
            int i = s.charAt(0) == '-' ? 1 : 0;
            long v = 0;
            boolean digits = i < len;
            for (int k = i; k < len && digits; k++) {
                char c = s.charAt(k);
                digits = c >= '0' && c <= '9';
                v = v * 10 + (c - '0');
            }
            if (digits) {
                return i == 1 ? -v : v;
            }
        }
        return Double.parseDouble(s);
    }

    private static Long headerLong(String commentLine, String key) {
        String body = commentLine.substring(1).trim();
        if (!body.startsWith(key + ":")) {
            return null;
        }
        try {
            return Long.parseLong(body.substring(key.length() + 1).trim());
        } catch (NumberFormatException e) {
            throw new TraceFormatException("SWF header '" + commentLine.trim() + "' is not a number. Fix: "
                    + key + " must be Unix seconds");
        }
    }

    /**
     * Per-user demand on one 5-minute grid shared by all users (from the first job start to the
     * last job end): the time-weighted average of cores (and memory, where recorded) in use.
     * Zero means "observed idle": the log lists every job, so a user with none running used nothing.
     */
    public static Trace toTrace(Log log) {
        List<ExecutionRecord> rs = log.records();
        Map<String, UserSeries> users = new LinkedHashMap<>();
        if (rs.isEmpty()) {
            return new Trace(STEP_SECONDS, users, log.report());
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Map<String, List<ExecutionRecord>> grouped = new HashMap<>();
        for (ExecutionRecord r : rs) {
            first = Math.min(first, r.startTime());
            last = Math.max(last, r.endTime());
            grouped.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(r);
        }
        Map<String, List<ExecutionRecord>> byUser = new TreeMap<>(SwfReader::compareIds);
        byUser.putAll(grouped);
        long t0 = Math.floorDiv(first, STEP_SECONDS) * STEP_SECONDS;
        long span = (last - t0) / STEP_SECONDS + 1;
        if (span > (MAX_LOG_SPAN_SECONDS + 2 * MAX_JOB_SECONDS) / STEP_SECONDS + 1) {
            throw new TraceFormatException("the jobs span " + (last - first) / 86_400 + " days (from " + first + " to "
                    + last + "): too long for one demand grid. Fix: read the log's years in separate runs");
        }
        int slots = (int) span;
        long[] grid = new long[slots];
        for (int s = 0; s < slots; s++) {
            grid[s] = t0 + (long) s * STEP_SECONDS;
        }
        for (var e : byUser.entrySet()) {
            double[][] usage = new double[Resource.COUNT][];
            double[][] cap = new double[Resource.COUNT][slots];
            for (double[] c : cap) {
                Arrays.fill(c, Double.NaN);
            }
            usage[0] = spread(e.getValue(), t0, slots, Resource.CPU);
            boolean allMemory = e.getValue().stream().noneMatch(r -> Double.isNaN(r.resources().memory()));
            if (allMemory) {
                usage[1] = spread(e.getValue(), t0, slots, Resource.MEMORY);
            } else {
                usage[1] = new double[slots];
                Arrays.fill(usage[1], Double.NaN);
            }
            usage[2] = new double[slots];
            usage[3] = new double[slots];
            Arrays.fill(usage[2], Double.NaN);
            Arrays.fill(usage[3], Double.NaN);
            users.put(e.getKey(), new UserSeries(e.getKey(), STEP_SECONDS, grid.clone(), usage, cap,
                    jobStates(e.getValue(), t0, slots, allMemory)));
        }
        return new Trace(STEP_SECONDS, users, log.report());
    }

    /**
     * The user's {@link JobState} at the end of every step (instant {@code t0 + (i + 1) * STEP_SECONDS}): resources
     * of jobs running then (started at or before it, not ended), of jobs submitted but not started (the wait
     * queue), and of the latest job submitted within the last day. Each uses only what is known at that instant:
     * submissions up to it and, of a running job, that it has not ended.
     */
    public static JobColumns jobStates(List<ExecutionRecord> jobs, long t0, int slots, boolean withMemory) {
        JobColumns out = JobColumns.unknown(slots);
        Resource[] known = withMemory ? new Resource[] {Resource.CPU, Resource.MEMORY} : new Resource[] {Resource.CPU};
        double[][] running = new double[Resource.COUNT][slots + 1];
        double[][] queued = new double[Resource.COUNT][slots + 1];
        for (ExecutionRecord j : jobs) {
            for (Resource r : known) {
                double amount = j.resources().get(r);
                // running at step end b: start <= b < end; queued: submit <= b < start
                addSpan(running[r.ordinal()], firstStepEndAtOrAfter(j.startTime() - t0),
                        firstStepEndAtOrAfter(j.endTime() - t0), amount, slots);
                addSpan(queued[r.ordinal()], firstStepEndAtOrAfter(j.submitTime() - t0),
                        firstStepEndAtOrAfter(j.startTime() - t0), amount, slots);
            }
        }
        List<ExecutionRecord> bySubmit = new ArrayList<>(jobs);
        bySubmit.sort(java.util.Comparator.comparingLong(ExecutionRecord::submitTime));
        int next = 0;
        ExecutionRecord latest = null;
        double[] run = new double[Resource.COUNT];
        double[] q = new double[Resource.COUNT];
        double[] recent = new double[Resource.COUNT];
        for (int i = 0; i < slots; i++) {
            long at = t0 + (long) (i + 1) * STEP_SECONDS;
            while (next < bySubmit.size() && bySubmit.get(next).submitTime() <= at) {
                latest = bySubmit.get(next++);
            }
            boolean fresh = latest != null && latest.submitTime() > at - JobState.RECENT_SECONDS;
            Arrays.fill(run, Double.NaN);
            Arrays.fill(q, Double.NaN);
            Arrays.fill(recent, Double.NaN);
            for (Resource r : known) {
                int k = r.ordinal();
                running[k][i + 1] += running[k][i];
                queued[k][i + 1] += queued[k][i];
                run[k] = Math.max(0, running[k][i]);
                q[k] = Math.max(0, queued[k][i]);
                recent[k] = fresh ? latest.resources().get(r) : 0;
            }
            out.set(i, new JobState(run, q, recent));
        }
        return out;
    }

    /** The index of the first step end at or after {@code offset} seconds from the grid's start (step i ends at (i + 1) * STEP_SECONDS). */
    private static long firstStepEndAtOrAfter(long offset) {
        return -Math.floorDiv(-offset, (long) STEP_SECONDS) - 1;
    }

    /** Adds {@code amount} to the step ends [from, to) of a difference array over {@code slots} step ends. */
    private static void addSpan(double[] diff, long from, long to, double amount, int slots) {
        int a = (int) Math.max(0, from);
        int b = (int) Math.min(slots, to);
        if (b <= a || amount == 0 || Double.isNaN(amount)) {
            return;
        }
        diff[a] += amount;
        diff[b] -= amount;
    }

    /** Time-weighted average amount of {@code r} in use per step, via a difference array for full steps. */
    private static double[] spread(List<ExecutionRecord> jobs, long t0, int slots, Resource r) {
        double[] out = new double[slots];
        double[] diff = new double[slots + 1];
        for (ExecutionRecord j : jobs) {
            double amount = j.resources().get(r);
            long s = j.startTime() - t0;
            long e = j.endTime() - t0;
            if (e <= s || amount == 0) {
                continue;
            }
            int fs = (int) (s / STEP_SECONDS);
            int ls = (int) (e / STEP_SECONDS);
            if (fs == ls) {
                out[fs] += amount * (e - s) / STEP_SECONDS;
                continue;
            }
            out[fs] += amount * ((long) (fs + 1) * STEP_SECONDS - s) / STEP_SECONDS;
            if (ls < slots) {
                out[ls] += amount * (e - (long) ls * STEP_SECONDS) / STEP_SECONDS;
            }
            diff[fs + 1] += amount;
            diff[Math.min(ls, slots)] -= amount;
        }
        double run = 0;
        for (int i = 0; i < slots; i++) {
            run += diff[i];
            out[i] += run;
        }
        return out;
    }

    /** Numeric ids sort numerically, so user 2 comes before user 10. */
    static int compareIds(String a, String b) {
        if (a.length() != b.length() && a.chars().allMatch(Character::isDigit) && b.chars().allMatch(Character::isDigit)) {
            return Integer.compare(a.length(), b.length());
        }
        return a.compareTo(b);
    }
}
