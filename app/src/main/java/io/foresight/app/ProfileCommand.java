package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.eval.Policies;
import io.foresight.core.features.FeatureVector;
import io.foresight.core.features.PatternRules;
import io.foresight.core.features.UserFeatures;
import io.foresight.core.forecast.BlendForecaster;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.TraceFormat;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code foresight profile USER}: the profile versions the control loop published for the user (each with its
 * time, pattern, confidence, needs, the model versions that produced it and what changed), read from the loop's
 * state dir. When the loop has not profiled the user yet, what Foresight believes from the trace: the behaviour
 * pattern of each day (one profile version per day, so a change of behaviour shows), the confidence (share of
 * the last week's days with the current pattern) and the predicted need for the next hour (the forecaster's
 * upper bound, as the planner would use it).
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Show a user's profile: pattern per day, confidence, predicted need for the next hour.")
public final class ProfileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "USER", description = "User (VM) id.")
    String user;

    @Option(names = "--trace", description = "Trace(s) with the user's history (default: data.slice in conf/foresight.properties).")
    String trace;

    @Option(names = "--state", description = "The loop's state dir (default: <state.dir>/loop).")
    Path state;

    @Override
    public Integer call() {
        FsConfig config = FsConfig.load();
        Path dir = state != null ? state : Wiring.loopStateDir(config);
        List<ProfileState> written = loopVersions(dir, user);
        if (!written.isEmpty()) {
            printLoopVersions(written);
            return 0;
        }
        System.out.println("the loop wrote no profile of " + user + " under " + dir + " (run the worker or demo); from the trace:");
        List<Path> files = trace != null ? BitbrainsReader.paths(trace)
                : List.of(config.path("data.slice", "data/bitbrains-slice/bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"));
        Trace t = TraceFormat.read(files);
        UserSeries s = t.user(user);
        if (s == null) {
            throw new IllegalArgumentException("user '" + user + "' is not in " + files + ". Fix: pick one of "
                    + t.userIds().subList(0, Math.min(10, t.userIds().size())) + (t.userIds().size() > 10 ? " ..." : ""));
        }
        List<UserProfile> versions = versions(s);
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("user '" + user + "' has less than a day of history: it would start from its pattern's population profile");
        }
        System.out.println("version  day (UTC)             pattern          confidence");
        for (UserProfile p : versions) {
            System.out.printf(Locale.ROOT, "%7d  %-20s  %-15s  %.2f%n", p.version(), Instant.ofEpochSecond(p.updatedAt()), p.pattern(), p.confidence());
        }
        Policies.ForesightSettings settings = Policies.ForesightSettings.defaults();
        BlendForecaster f = BlendForecaster.fit(t, settings.quantiles(), 12, settings.scaleAlpha(), settings.expertAlpha(), settings.peakHoldSteps());
        Forecast next = f.forecast(s, s.size(), 12);
        ResourceVector need = next.peakUpper(0, 12);
        UserProfile last = versions.get(versions.size() - 1).withPredictedNeed(need, next.issuedAt());
        System.out.printf(Locale.ROOT, "%nprofile of %s (version %d): pattern %s (confidence %.2f), tier %s, team %s, spot %s%n",
                last.user(), last.version(), last.pattern(), last.confidence(), last.tier(), last.team(), last.spotAllowed() ? "allowed" : "not allowed");
        System.out.printf(Locale.ROOT, "predicted need, next hour (upper bound, q cpu %.2f / mem %.2f): cpu %.2f cores, memory %.2f GiB, network %.3f MB/s, disk %.3f MB/s%n",
                settings.quantiles()[0], settings.quantiles()[1], need.get(Resource.CPU), need.get(Resource.MEMORY), need.get(Resource.NETWORK), need.get(Resource.DISK));
        return 0;
    }

    /**
     * The versions the loop published for {@code user} in every pool under {@code stateDir}, oldest first; a retried
     * step logs a version again, so one record per (pool, version) is kept (the last).
     */
    static List<ProfileState> loopVersions(Path stateDir, String user) {
        Path pools = stateDir.resolve("pools");
        java.util.Map<String, ProfileState> byVersion = new java.util.TreeMap<>();
        if (!java.nio.file.Files.isDirectory(pools)) {
            return List.of();
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (var dirs = java.nio.file.Files.list(pools)) {
            for (Path pool : dirs.sorted().toList()) {
                Path log = pool.resolve("profiles").resolve("versions.jsonl");
                if (!java.nio.file.Files.isRegularFile(log)) {
                    continue;
                }
                for (String line : java.nio.file.Files.readAllLines(log)) {
                    if (line.isBlank() || !line.contains('"' + user + '"')) {
                        continue;
                    }
                    ProfileState p = json.readValue(line, ProfileState.class);
                    if (p.user().equals(user)) {
                        byVersion.put(pool.getFileName() + String.format(Locale.ROOT, "/%012d", p.version()), p);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the loop's profile versions under " + pools + ": "
                    + e.getMessage() + ". Fix: check the state dir (--state)", e);
        }
        return new ArrayList<>(byVersion.values());
    }

    private void printLoopVersions(List<ProfileState> versions) {
        System.out.println("profile versions the loop wrote for " + user + ":");
        System.out.println("version  from (UTC)            pattern          conf  spot  cpu next h / day peak  mem next h / day peak  models  change");
        for (ProfileState p : versions) {
            System.out.printf(Locale.ROOT, "%7d  %-20s  %-15s  %.2f  %-4s  %6.2f / %6.2f        %6.2f / %6.2f        %s  %s%n",
                    p.version(), Instant.ofEpochSecond(p.updatedAt()), p.pattern(), p.confidence(),
                    p.spotEligible() ? "yes" : "no", p.needNextHour()[Resource.CPU.ordinal()],
                    p.dayPeak()[Resource.CPU.ordinal()], p.needNextHour()[Resource.MEMORY.ordinal()],
                    p.dayPeak()[Resource.MEMORY.ordinal()], p.models(), p.change());
        }
        ProfileState last = versions.get(versions.size() - 1);
        System.out.printf(Locale.ROOT, "%ncurrent: pattern %s (confidence %.2f), team %s, tier %s, spot %s%n", last.pattern(),
                last.confidence(), last.team(), last.tier(), last.spotEligible() ? "eligible" : "not eligible");
    }

    /** One profile version per whole day of history, each classified from the week before its end. */
    static List<UserProfile> versions(UserSeries s) {
        List<UserProfile> out = new ArrayList<>();
        List<Pattern> daily = new ArrayList<>();
        UserProfile p = UserProfile.newUser(s.user());
        long start = s.timestamp(0);
        for (int end = UserFeatures.STEPS_PER_DAY; end <= s.size(); end += UserFeatures.STEPS_PER_DAY) {
            long to = s.timestamp(end - 1) + s.stepSeconds();
            long from = Math.max(start, to - 7L * 86400);
            FeatureVector v = UserFeatures.profile(s, from, to);
            Pattern pattern = PatternRules.name(v);
            daily.add(pattern);
            List<Pattern> week = daily.subList(Math.max(0, daily.size() - 7), daily.size());
            double conf = week.stream().filter(pattern::equals).count() / (double) week.size();
            p = p.withPattern(pattern, conf, to);
            out.add(p);
        }
        return out;
    }
}
