package io.foresight.core.eval;

import io.foresight.core.trace.AzureReader;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.TraceFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the trace files the evaluation is given, detecting the format by content (not by name):
 * a Bitbrains per-VM CSV starts with its header (the Azure 2017 sample too, with 'az_' VM ids); an SWF job log starts with ';' comment lines or
 * whitespace-separated numeric job records. SWF is read by {@code io.foresight.core.trace.SwfReader}
 * when that class is present in the build.
 */
public final class TraceFiles {
    /** The formats the harness recognises. */
    public enum Format { BITBRAINS, SWF, AZURE2017 }

    static final String SWF_READER = "io.foresight.core.trace.SwfReader";

    private TraceFiles() {}

    public static Format detect(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TraceFormatException("trace file not found: " + file + ". Fix: check the path");
        }
        String first = firstLine(file);
        if (first == null) {
            throw new TraceFormatException(file + " is empty. Fix: pass a Bitbrains CSV or an SWF job log");
        }
        if (first.trim().equals(BitbrainsReader.HEADER)) {
            // the Azure 2017 sample shares the header; its VM ids ('az_') tell it apart
            return AzureReader.looksLike(file) ? Format.AZURE2017 : Format.BITBRAINS;
        }
        String t = first.trim();
        if (t.startsWith(";") || t.matches("-?\\d+(\\.\\d+)?(\\s+-?\\d+(\\.\\d+)?){9,}")) {
            return Format.SWF;
        }
        throw new TraceFormatException(file + " is neither a Bitbrains CSV nor an SWF job log (first line '"
                + (t.length() > 60 ? t.substring(0, 57) + "..." : t) + "'). Fix: pass files like shared/data/bitbrains-rnd/*.csv.gz or pwa/*.swf.gz");
    }

    private static String firstLine(Path file) {
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(raw) : raw;
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    return line;
                }
            }
            return null;
        } catch (java.util.zip.ZipException e) {
            throw new TraceFormatException(file + " looks gzipped but is corrupt (" + e.getMessage() + "). Fix: re-copy the file");
        } catch (IOException e) {
            throw new TraceFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks every file's format up front (all must agree) and returns it; nothing is read yet. */
    public static Format check(String option, List<Path> files) {
        if (files.isEmpty()) {
            throw new TraceFormatException(option + " needs at least one trace file");
        }
        Format f = null;
        for (Path p : files) {
            Format g = detect(p);
            if (f != null && g != f) {
                throw new TraceFormatException(option + " mixes formats (" + f + " and " + g + " in " + p
                        + "). Fix: pass files of one format");
            }
            f = g;
        }
        if (f == Format.SWF) {
            swfReader(); // fail early when the SWF reader is not in this build
        }
        return f;
    }

    public static Trace read(Format format, List<Path> files) {
        if (format == Format.BITBRAINS) {
            return BitbrainsReader.read(files);
        }
        if (format == Format.AZURE2017) {
            return AzureReader.read(files);
        }
        try {
            return (Trace) swfReader().invoke(null, files);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + SWF_READER + ".read: " + e.getMessage(), e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("SWF reader failed: " + e.getCause(), e.getCause());
        }
    }

    private static Method swfReader() {
        try {
            return Class.forName(SWF_READER).getMethod("read", List.class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new TraceFormatException("SWF job logs are not supported by this build yet (" + SWF_READER
                    + ".read(List<Path>) is missing). Fix: use Bitbrains CSV files, or a build that includes the SWF reader");
        }
    }
}
