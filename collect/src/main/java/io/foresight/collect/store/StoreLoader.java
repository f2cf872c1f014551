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
    public record Result(long usageRows, long executions, long quarantined, long quarantineNotKept, int batches) {}

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

    public Result load(String source, Trace trace, List<ExecutionRecord> executions) {
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
        List<ValidationReport.QuarantinedRecord> q = rep.quarantinedRecords();
        if (!q.isEmpty()) {
            store.write(WriteBatch.builder(source).quarantine(q).build());
            batches++;
        }
        return new Result(usage, execs, q.size(), rep.quarantinedTotal() - q.size(), batches);
    }
}
