package io.foresight.collect.store;

import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Persists quarantined records as a reader rejects them, in batches, so every rejection is kept
 * in the store (not only the first {@code ValidationReport.KEEP_RECORDS} held in memory).
 * Call {@link #flush()} when reading is done. Not thread-safe (one reader, one writer).
 */
public final class QuarantineWriter implements Consumer<QuarantinedRecord> {
    private final TimeSeriesStore store;
    private final String source;
    private final int batchSize;
    private final List<QuarantinedRecord> buffer = new ArrayList<>();
    private long written;

    public QuarantineWriter(TimeSeriesStore store, String source, int batchSize) {
        this.store = Objects.requireNonNull(store, "store");
        this.source = Objects.requireNonNull(source, "source");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        this.batchSize = batchSize;
    }

    @Override
    public void accept(QuarantinedRecord r) {
        buffer.add(r);
        if (buffer.size() >= batchSize) {
            flush();
        }
    }

    /** Writes what is buffered; a failure propagates as {@link StoreWriteException} (nothing lost silently). */
    public void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        written += store.write(WriteBatch.builder(source).quarantine(buffer).build());
        buffer.clear();
    }

    public long written() { return written; }
}
