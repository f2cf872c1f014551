package io.foresight.core.trace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** The trace file formats Foresight reads, detected by content (not by file name). */
public enum TraceFormat {
    /** GWA-T-12 Bitbrains per-VM CSV: one user per VM. */
    BITBRAINS,
    /** Standard Workload Format job log: one user per SWF user id. */
    SWF,
    /** The Azure 2017 sample (shared/data/azure2017): Bitbrains columns, CPU only, one user per VM. */
    AZURE2017;

    /** Detects the format of one file, or fails naming the file and the formats accepted. */
    public static TraceFormat detect(Path file) {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new TraceFormatException("trace file not found: " + file + ". Fix: check the path");
        }
        // The Azure sample shares the Bitbrains header: its VM ids tell them apart.
        if (AzureReader.looksLike(file)) {
            return AZURE2017;
        }
        if (BitbrainsReader.looksLike(file)) {
            return BITBRAINS;
        }
        if (SwfReader.looksLike(file)) {
            return SWF;
        }
        throw new TraceFormatException(file + " is neither a Bitbrains CSV (first line '" + BitbrainsReader.HEADER
                + "'; the Azure 2017 sample has the same columns) nor an SWF job log (';' comments, then 18 whitespace-separated numbers per job)."
                + " Fix: pass a file in one of these formats (gzip or plain)");
    }

    /** Detects the common format of all files; mixing formats in one trace is an error. */
    public static TraceFormat detect(List<Path> files) {
        if (files.isEmpty()) {
            throw new TraceFormatException("no trace file given: pass at least one Bitbrains CSV or SWF job log");
        }
        TraceFormat first = detect(files.get(0));
        for (Path f : files.subList(1, files.size())) {
            TraceFormat other = detect(f);
            if (other != first) {
                throw new TraceFormatException(f + " is " + other + " but " + files.get(0) + " is " + first
                        + ": one trace must come from one format. Fix: read them separately");
            }
        }
        return first;
    }

    /** Reads the files with the reader of their detected format. */
    public static Trace read(List<Path> files) {
        return detect(files).readTrace(files);
    }

    public Trace readTrace(List<Path> files) {
        return switch (this) {
            case BITBRAINS -> BitbrainsReader.read(files);
            case SWF -> SwfReader.read(files);
            case AZURE2017 -> AzureReader.read(files);
        };
    }

    /** The source name readers of this format put in their reports. */
    public String sourceName() {
        return switch (this) {
            case BITBRAINS -> "bitbrains";
            case SWF -> "swf";
            case AZURE2017 -> AzureReader.SOURCE;
        };
    }
}
