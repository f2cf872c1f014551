package io.foresight.app;

import io.foresight.app.stack.FsConfig;
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
 * {@code foresight profile USER}: what Foresight believes about one user, from its history: the behaviour
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

    @Override
    public Integer call() {
        FsConfig config = FsConfig.load();
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
