package io.foresight.collect.source;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.trace.SwfReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.TraceFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Replays trace files (Bitbrains CSV or SWF job log, detected by content). */
public final class TraceFileSource implements UsageSource {
    private final List<Path> files;
    private final TraceFormat format;
    private SwfReader.Log swfLog;

    public TraceFileSource(List<Path> files) {
        this.files = List.copyOf(Objects.requireNonNull(files, "files"));
        this.format = TraceFormat.detect(this.files);
    }

    public TraceFormat format() { return format; }
    public List<Path> files() { return files; }

    @Override
    public String name() {
        return format == TraceFormat.SWF ? "swf" : "bitbrains";
    }

    @Override
    public Trace read() {
        if (format == TraceFormat.SWF) {
            return SwfReader.toTrace(swfLog());
        }
        return format.readTrace(files);
    }

    /** The job records behind an SWF trace (read once, shared with {@link #read()}); empty for Bitbrains. */
    public List<ExecutionRecord> executions() {
        return format == TraceFormat.SWF ? swfLog().records() : List.of();
    }

    private SwfReader.Log swfLog() {
        if (swfLog == null) {
            swfLog = SwfReader.readLog(files);
        }
        return swfLog;
    }
}
