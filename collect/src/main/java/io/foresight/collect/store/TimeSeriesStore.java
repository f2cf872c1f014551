package io.foresight.collect.store;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.InteractionEvent;
import io.foresight.core.trace.ValidationReport.QuarantinedRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where collected data lives: usage series plus execution records, interaction events and the
 * quarantine. Writes are transactional per batch, retried on failure and, if they still fail,
 * reported with {@link StoreWriteException} (never dropped quietly). Re-writing the same usage
 * slots or job ids replaces them, so loads are idempotent.
 */
public interface TimeSeriesStore extends TimeSeriesReader, StoreView {

    /** Commits the whole batch or nothing; returns the rows written. */
    long write(WriteBatch batch);

    /** Execution records of one user (or all users if null) that started in [from, to). */
    List<ExecutionRecord> executions(String user, long from, long to);

    /** Interaction events of one user (or all if null) in [fromMillis, toMillis). */
    List<InteractionEvent> events(String user, long fromMillis, long toMillis);

    /** Quarantined records of one source (or all if null), oldest first, at most {@code limit}. */
    List<QuarantinedRecord> quarantined(String source, int limit);

    /** Row count per table (usage, executions, events, quarantine). */
    Map<String, Long> counts();

    /** Writes every table as {@code <table>.parquet} into {@code dir} (for Spark); returns rows per file. */
    Map<Path, Long> exportParquet(Path dir);
}
