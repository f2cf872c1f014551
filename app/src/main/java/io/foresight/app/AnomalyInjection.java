package io.foresight.app;

import io.foresight.core.trace.BitbrainsReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a copy of a Bitbrains trace in which one VM's memory is held at a share of its capacity for a few
 * intervals: a known incident for the demo to detect. Everything else is copied byte for byte.
 */
final class AnomalyInjection {
    private AnomalyInjection() {}

    static void spike(Path in, Path out, String vm, long fromTimestamp, int intervals, double shareOfCapacity) throws IOException {
        Files.createDirectories(out.getParent());
        long until = fromTimestamp + (long) intervals * BitbrainsReader.STEP_SECONDS;
        try (InputStream raw = Files.newInputStream(in);
             BufferedReader r = new BufferedReader(new InputStreamReader(gunzipIfNeeded(raw), StandardCharsets.UTF_8));
             Writer w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8)) {
            String line = r.readLine();
            if (line == null || !line.trim().equals(BitbrainsReader.HEADER)) {
                throw new IllegalArgumentException(in + " is not a Bitbrains CSV; the anomaly can only be injected into one");
            }
            w.write(line);
            w.write('\n');
            while ((line = r.readLine()) != null) {
                String[] f = line.split(",", -1);
                if (f.length == 11 && f[0].equals(vm)) {
                    long ts = Long.parseLong(f[1]);
                    // timestamps jitter by a second or so around the 5-minute grid
                    if (ts >= fromTimestamp - 150 && ts < until - 150) {
                        f[6] = String.format(Locale.ROOT, "%.1f", Double.parseDouble(f[5]) * shareOfCapacity);
                        line = String.join(",", f);
                    }
                }
                w.write(line);
                w.write('\n');
            }
        }
    }

    private static InputStream gunzipIfNeeded(InputStream raw) throws IOException {
        InputStream in = new java.io.BufferedInputStream(raw);
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in) : in;
    }
}
