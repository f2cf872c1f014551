package io.foresight.collect.store;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.core.trace.ValidationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Loads a validated trace into a store in bounded batches (each one transaction), with its
 * execution records and quarantined records, so a 6.6M-row trace never sits in one transaction.
 */
public final class StoreLoader {
    /** What a load wrote. {@code quarantineNotKept} counts rejections beyond the report's in-memory cap. */
    public record Result(long usageRows, long executions, long quarantined, long quarantineNotKept, int batches, int users) {}

    private final TimeSeriesStore store;
    private final int usersPerBatch;
    private final int recordsPerBatch;

    public StoreLoader(TimeSeriesStore store, int usersPerBatch, int recordsPerBatch) {
        this.store = Objects.requireNonNull(store, "store");
        if (usersPerBatch < 1 || recordsPerBatch < 1) {
            throw new IllegalArgumentException("batch sizes must be positive");
        }
        this.usersPerBatch = usersPerBatch;
        this.recordsPerBatch = recordsPerBatch;
    }

    public StoreLoader(TimeSeriesStore store) {
        this(store, 25, 50_000);
    }

    /**
     * Reads trace files (format detected) and loads them, persisting every quarantined record as
     * it is rejected (not only those the in-memory report keeps).
     */
    public Result loadFiles(List<java.nio.file.Path> files) {
        io.foresight.core.trace.TraceFormat format = io.foresight.core.trace.TraceFormat.detect(files);
        QuarantineWriter q = new QuarantineWriter(store, format.sourceName(), 10_000);
        io.foresight.collect.source.TraceFileSource src = new io.foresight.collect.source.TraceFileSource(files, q);
        Trace trace = src.read();
        q.flush();
        Result r = load(src.name(), trace, src.executions(), false);
        return new Result(r.usageRows(), r.executions(), q.written(), 0, r.batches() + (int) ((q.written() + 9_999) / 10_000),
                trace.users().size());
    }

    public Result load(String source, Trace trace, List<ExecutionRecord> executions) {
        return load(source, trace, executions, true);
    }

    private Result load(String source, Trace trace, List<ExecutionRecord> executions, boolean writeQuarantine) {
        long usage = 0;
        long execs = 0;
        int batches = 0;
        List<UserSeries> chunk = new ArrayList<>();
        for (UserSeries s : trace.users().values()) {
            chunk.add(s);
            if (chunk.size() == usersPerBatch) {
                usage += store.write(WriteBatch.builder(source).usage(chunk).build());
                batches++;
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            usage += store.write(WriteBatch.builder(source).usage(chunk).build());
            batches++;
        }
        for (int i = 0; i < executions.size(); i += recordsPerBatch) {
            execs += store.write(WriteBatch.builder(source)
                    .executions(executions.subList(i, Math.min(executions.size(), i + recordsPerBatch))).build());
            batches++;
        }
        ValidationReport rep = trace.report();
        List<ValidationReport.QuarantinedRecord> q = writeQuarantine ? rep.quarantinedRecords() : List.of();
        if (!q.isEmpty()) {
            store.write(WriteBatch.builder(source).quarantine(q).build());
            batches++;
        }
        return new Result(usage, execs, q.size(), writeQuarantine ? rep.quarantinedTotal() - q.size() : 0, batches,
                trace.users().size());
    }
}
