package io.foresight.app;

import io.foresight.core.feedback.Anomaly;
import io.foresight.core.feedback.AnomalyDetector;
import io.foresight.core.feedback.AnomalyLog;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code foresight anomalies}: lists the anomalies recorded in the anomaly log, or, with {@code --trace},
 * runs the detector over a Bitbrains trace file and prints what it finds (optionally appending to the log).
 */
@Command(name = "anomalies", mixinStandardHelpOptions = true,
        description = {"List detected usage anomalies from the anomaly log,",
            "or detect them in a trace file with --trace."})
public final class AnomaliesCommand implements Callable<Integer> {
    static final String LOG_ENV = "FORESIGHT_ANOMALY_LOG";
    /** The control loop's anomaly log, relative to the configured state dir. */
    static final String DEFAULT_LOG = "<state.dir>/loop/" + io.foresight.activities.controlloop.ControlLoopActivitiesImpl.ANOMALY_LOG;

    @Spec
    CommandSpec spec;

    @Option(names = "--user", description = "Only this user (VM id for Bitbrains).")
    String user;

    @Option(names = "--since", description = "Only anomalies at or after this time: an ISO instant "
            + "(2013-07-09T14:00:00Z), a date (2013-07-09, UTC), Unix seconds, or an age like 24h or 7d.")
    String since;

    @Option(names = "--log", description = "Anomaly log (JSON lines). Default: $" + LOG_ENV + " or " + DEFAULT_LOG + ".")
    Path log;

    @Option(names = "--trace", description = "Detect anomalies in this Bitbrains CSV (gzip or plain) instead of reading the log.")
    Path trace;

    @Option(names = "--users", description = "With --trace: read at most this many users (default: all).")
    int maxUsers = Integer.MAX_VALUE;

    @Option(names = "--threshold", description = "With --trace: robust z-score threshold in MADs (default: ${DEFAULT-VALUE}).")
    double threshold = AnomalyDetector.Config.fiveMinuteDefaults().threshold();

    @Option(names = "--append", description = "With --trace: also append what was found to the anomaly log.")
    boolean append;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long from = parseSince(since, Instant.now());
        AnomalyLog anomalyLog = new AnomalyLog(logPath());
        List<Anomaly> found;
        if (trace != null) {
            if (!Files.isReadable(trace)) {
                throw new IllegalArgumentException("cannot read trace " + trace + ": check the path");
            }
            if (!(threshold > 0)) {
                throw new IllegalArgumentException("--threshold must be > 0, got " + threshold);
            }
            Trace t = BitbrainsReader.read(List.of(trace), maxUsers);
            AnomalyDetector d = new AnomalyDetector(AnomalyDetector.Config.fiveMinuteDefaults().withThreshold(threshold));
            found = new ArrayList<>();
            int users = 0;
            long scored = 0;
            for (UserSeries s : t.users().values()) {
                if (user != null && !user.equals(s.user())) {
                    continue;
                }
                users++;
                scored += scoredIntervals(d, s, from);
                for (Anomaly a : d.detect(s)) {
                    if (a.at() >= from) {
                        found.add(a);
                    }
                }
            }
            if (user != null && users == 0) {
                throw new IllegalArgumentException("user " + user + " is not in " + trace);
            }
            if (append) {
                anomalyLog.append(found);
            }
            print(out, found);
            out.printf(Locale.ROOT, "%d anomalies in %d users of %s (%.3f%% of %d scored resource-intervals)%s%n",
                    found.size(), users, trace, scored == 0 ? 0.0 : 100.0 * found.size() / scored, scored,
                    append ? " (appended to " + anomalyLog.file() + ")" : "");
        } else if (log == null && System.getenv(LOG_ENV) == null
                && "postgresql".equals(io.foresight.app.stack.FsConfig.load().get("state.store", "files"))) {
            // the loop's anomaly log from every worker host sharing the PostgreSQL state store
            try (io.foresight.activities.controlloop.StateStore store = Wiring.stateStore(io.foresight.app.stack.FsConfig.load())) {
                found = store.anomalies(user, from);
                print(out, found);
                out.printf(Locale.ROOT, "%d anomalies in %s%n", found.size(), store.describe());
            }
        } else {
            if (!Files.exists(anomalyLog.file())) {
                throw new IllegalArgumentException("no anomaly log at " + anomalyLog.file()
                        + ": pass --log FILE, set " + LOG_ENV + ", or detect in a trace with --trace FILE");
            }
            found = anomalyLog.read(user, from);
            print(out, found);
            out.printf(Locale.ROOT, "%d anomalies in %s%n", found.size(), anomalyLog.file());
        }
        out.flush();
        return 0;
    }

    /** Resource-intervals at or after {@code from} that had data and a seasonal baseline to judge them by. */
    private static long scoredIntervals(AnomalyDetector d, UserSeries s, long from) {
        long n = 0;
        for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
            double[] y = s.usageColumn(r);
            for (int i = 0; i < s.size(); i++) {
                if (s.timestamp(i) >= from && !Double.isNaN(y[i]) && !Double.isNaN(d.expected(y, i))) {
                    n++;
                }
            }
        }
        return n;
    }

    private Path logPath() {
        if (log != null) {
            return log;
        }
        String env = System.getenv(LOG_ENV);
        return env != null && !env.isBlank() ? Path.of(env)
                : Wiring.loopStateDir(io.foresight.app.stack.FsConfig.load()).resolve(io.foresight.activities.controlloop.ControlLoopActivitiesImpl.ANOMALY_LOG);
    }

    private static void print(PrintWriter out, List<Anomaly> found) {
        for (Anomaly a : found) {
            out.printf(Locale.ROOT, "%s  user=%s  %-7s %-14s score=%5.1f  %s%n", Instant.ofEpochSecond(a.at()), a.user(),
                    a.resource().name().toLowerCase(Locale.ROOT), a.kind().name().toLowerCase(Locale.ROOT), a.score(),
                    a.explanation());
        }
    }

    /** Parses --since; null means everything. */
    static long parseSince(String s, Instant now) {
        if (s == null || s.isBlank()) {
            return Long.MIN_VALUE;
        }
        String v = s.trim();
        try {
            if (v.matches("\\d+[smhd]")) {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                Duration d = switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                return now.minus(d).getEpochSecond();
            }
            if (v.matches("-?\\d+")) {
                return Long.parseLong(v);
            }
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            }
            return Instant.parse(v).getEpochSecond();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("--since '" + s + "' is not a time: use an ISO instant like "
                    + "2013-07-09T14:00:00Z, a date like 2013-07-09, Unix seconds, or an age like 24h or 7d");
        }
    }
}
