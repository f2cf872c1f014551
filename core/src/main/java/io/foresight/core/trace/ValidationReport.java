package io.foresight.core.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What reading a source did to its records: per user, how many were accepted as they were,
 * repaired (and how), or quarantined (and why). Quarantined records are kept verbatim with their
 * reason so nothing is dropped silently. Not thread-safe: one reader fills one report.
 */
public final class ValidationReport {
    /** A rejected record, kept with the reason it was rejected. */
    public record QuarantinedRecord(String source, long line, String user, String reason, String raw) {}

    /** Counters for one user of one source. */
    public static final class Counts {
        long accepted;
        long repaired;
        long quarantined;
        final Map<String, Long> repairs = new TreeMap<>();
        final Map<String, Long> reasons = new TreeMap<>();

        public long accepted() { return accepted; }
        public long repaired() { return repaired; }
        public long quarantined() { return quarantined; }
        public Map<String, Long> repairs() { return Collections.unmodifiableMap(repairs); }
        public Map<String, Long> reasons() { return Collections.unmodifiableMap(reasons); }
    }

    /** The most quarantined records kept in memory; the rest are counted (and written by sinks that stream). */
    public static final int KEEP_RECORDS = 10_000;

    private final String source;
    private final java.util.function.Consumer<QuarantinedRecord> sink;
    private final Map<String, Counts> perUser = new TreeMap<>();
    private final List<QuarantinedRecord> quarantined = new ArrayList<>();
    private long quarantinedTotal;

    public ValidationReport(String source) {
        this(source, null);
    }

    /**
     * A report that also hands every quarantined record to {@code sink} as it happens (e.g. to
     * persist all of them, beyond the {@link #KEEP_RECORDS} kept in memory).
     */
    public ValidationReport(String source, java.util.function.Consumer<QuarantinedRecord> sink) {
        this.source = source;
        this.sink = sink;
    }

    public String source() { return source; }

    private Counts counts(String user) {
        return perUser.computeIfAbsent(user == null ? "<unknown>" : user, u -> new Counts());
    }

    public void accepted(String user, long n) {
        counts(user).accepted += n;
    }

    public void repaired(String user, String how, long n) {
        Counts c = counts(user);
        c.repaired += n;
        c.repairs.merge(how, n, Long::sum);
    }

    public void quarantine(long line, String user, String reason, String raw) {
        Counts c = counts(user);
        c.quarantined++;
        c.reasons.merge(reason, 1L, Long::sum);
        quarantinedTotal++;
        QuarantinedRecord rec = new QuarantinedRecord(source, line, user, reason, raw);
        if (quarantined.size() < KEEP_RECORDS) {
            quarantined.add(rec);
        }
        if (sink != null) {
            sink.accept(rec);
        }
    }

    public Map<String, Counts> perUser() { return Collections.unmodifiableMap(perUser); }
    public List<QuarantinedRecord> quarantinedRecords() { return Collections.unmodifiableList(quarantined); }
    public long quarantinedTotal() { return quarantinedTotal; }

    public long acceptedTotal() {
        return perUser.values().stream().mapToLong(c -> c.accepted).sum();
    }

    public long repairedTotal() {
        return perUser.values().stream().mapToLong(c -> c.repaired).sum();
    }

    /** Reason -> count over all users. */
    public Map<String, Long> reasonTotals() {
        Map<String, Long> m = new TreeMap<>();
        perUser.values().forEach(c -> c.reasons.forEach((k, v) -> m.merge(k, v, Long::sum)));
        return m;
    }

    /** Repair -> count over all users. */
    public Map<String, Long> repairTotals() {
        Map<String, Long> m = new TreeMap<>();
        perUser.values().forEach(c -> c.repairs.forEach((k, v) -> m.merge(k, v, Long::sum)));
        return m;
    }

    /** Adds another report's counts and records (e.g. of the next file of the same source). */
    public void merge(ValidationReport other) {
        other.perUser.forEach((u, oc) -> {
            Counts c = counts(u);
            c.accepted += oc.accepted;
            c.repaired += oc.repaired;
            c.quarantined += oc.quarantined;
            oc.repairs.forEach((k, v) -> c.repairs.merge(k, v, Long::sum));
            oc.reasons.forEach((k, v) -> c.reasons.merge(k, v, Long::sum));
        });
        quarantinedTotal += other.quarantinedTotal;
        for (QuarantinedRecord r : other.quarantined) {
            if (quarantined.size() < KEEP_RECORDS) {
                quarantined.add(r);
            }
        }
    }
}
