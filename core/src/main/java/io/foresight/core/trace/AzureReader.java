package io.foresight.core.trace;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads the Azure 2017 sample of shared/data/azure2017 (Microsoft Azure Public Dataset V1, Cortez et al., SOSP
 * 2017, as sampled by DataCenterSim): average CPU per VM and 5-minute step, written in the Bitbrains columns with
 * {@code cpu_cores} = 1, {@code cpu_capacity_mhz} = 2600 and {@code cpu_usage_mhz} = CPU % x 26.
 *
 * <p>The dataset has CPU only. Its memory, disk and network columns are 0 as a placeholder; they are read as not
 * observed (NaN), so no policy is scored, priced or trained on a demand that was never measured. A row with a
 * nonzero value there is quarantined with its reason (it is not this sample), as are rows the Bitbrains
 * validation rejects (malformed, NaN, negative, CPU above capacity beyond tolerance). Timestamps start at
 * 2017-01-01 00:00 UTC by the file's convention: the source has only the step index, so the 24-hour period is
 * real but the phase of time-of-day and weekday is not. Same parsing, repairs and {@link Trace} as
 * {@link BitbrainsReader}; detected by content (the {@code az_} VM ids) in {@link TraceFormat#detect}.
 */
public final class AzureReader {
    public static final String SOURCE = "azure2017";

    private AzureReader() {}

    /** True if the file has the Bitbrains columns and its VMs are the Azure sample's ({@code az_} ids). */
    public static boolean looksLike(Path file) {
        return BitbrainsReader.Layout.of(file) == BitbrainsReader.Layout.AZURE2017;
    }

    public static Trace read(Path file) {
        return read(List.of(file));
    }

    /** Reads every VM of the files (e.g. the whole sample), concatenated per VM. */
    public static Trace read(List<Path> files) {
        return read(files, Integer.MAX_VALUE);
    }

    /** Reads at most {@code maxUsers} VMs (the first in file order). */
    public static Trace read(List<Path> files, int maxUsers) {
        return read(files, maxUsers, new ValidationReport(SOURCE));
    }

    /** Reads every VM, recording validation in the given report (e.g. one that streams its quarantine). */
    public static Trace read(List<Path> files, ValidationReport report) {
        return read(files, Integer.MAX_VALUE, report);
    }

    private static Trace read(List<Path> files, int maxUsers, ValidationReport report) {
        for (Path f : files) {
            if (BitbrainsReader.Layout.of(f) == BitbrainsReader.Layout.BITBRAINS) {
                throw new TraceFormatException(f + " is a Bitbrains CSV, not the Azure 2017 sample (its VM ids do not"
                        + " start with 'az_'). Fix: read it with BitbrainsReader, or let TraceFormat.read detect it");
            }
        }
        return BitbrainsReader.read(files, maxUsers, report, BitbrainsReader.Layout.AZURE2017);
    }
}
