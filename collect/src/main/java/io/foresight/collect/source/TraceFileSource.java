package io.foresight.collect.source;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.ValidationReport;
import java.util.function.Consumer;
import io.foresight.core.trace.SwfReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.TraceFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Reads trace files (Bitbrains CSV or SWF job log, detected by content) into a validated {@link Trace} for
 * ingestion and evaluation. The control loop reads usage through its one source interface,
 * {@code io.foresight.activities.controlloop.UsageSource} (trace replay, live Prometheus).
 */
public final class TraceFileSource {
    private final List<Path> files;
    private final TraceFormat format;
    private final Consumer<ValidationReport.QuarantinedRecord> quarantineSink;
    private SwfReader.Log swfLog;

    public TraceFileSource(List<Path> files) {
        this(files, null);
    }

    /** @param quarantineSink receives every quarantined record while reading (null: only the report keeps them) */
    public TraceFileSource(List<Path> files, Consumer<ValidationReport.QuarantinedRecord> quarantineSink) {
        this.files = List.copyOf(Objects.requireNonNull(files, "files"));
        this.format = TraceFormat.detect(this.files);
        this.quarantineSink = quarantineSink;
    }

    private ValidationReport newReport() {
        return new ValidationReport(name(), quarantineSink);
    }

    public TraceFormat format() { return format; }
    public List<Path> files() { return files; }

    public String name() {
        return format.sourceName();
    }

    public Trace read() {
        if (format == TraceFormat.SWF) {
            return SwfReader.toTrace(swfLog());
        }
        return BitbrainsReader.read(files, newReport()); // reads the Azure 2017 sample CPU-only by content
    }

    /** The job records behind an SWF trace (read once, shared with {@link #read()}); empty for Bitbrains. */
    public List<ExecutionRecord> executions() {
        return format == TraceFormat.SWF ? swfLog().records() : List.of();
    }

    private SwfReader.Log swfLog() {
        if (swfLog == null) {
            swfLog = SwfReader.readLog(files, newReport());
        }
        return swfLog;
    }
}
