package io.foresight.app;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.eval.EvaluationResult;
import io.foresight.core.eval.Evaluator;
import io.foresight.core.eval.HtmlReport;
import io.foresight.core.eval.Policies;
import io.foresight.core.eval.Summary;
import io.foresight.core.eval.TraceFiles;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code foresight evaluate}: replays a test trace through allocation policies side by side, models
 * trained on --train only, and writes summary.json, report.html and a table. All arguments are
 * checked before any trace is read.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Replay a real trace through allocation policies and compare cost, under-provisioning, slack and churn.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--train", required = true, paramLabel = "FILE[,FILE...]",
            description = "Training trace(s): Bitbrains CSV (gzip or not) or SWF job log.")
    String train;

    @Option(names = "--test", paramLabel = "FILE[,FILE...]",
            description = "Test trace(s), same formats. Omit it with --split-at to test on the later part of --train.")
    String test;

    @Option(names = "--split-at", paramLabel = "DAYS|DATE",
            description = "Split --train in time instead of reading --test: the first DAYS days (or everything before the "
                    + "UTC date YYYY-MM-DD) train, the rest is the test. Jobs running across the split count in both parts.")
    String splitAt;

    @Option(names = "--model", paramLabel = "blend|retrained|champion|FAMILY|models:/NAME/VERSION",
            description = "What foresight predicts with: what the retraining workflow would make champion from --train "
                    + "(retrained, the default: the model the loop serves after retraining on the same data; a sweep sets its "
                    + "CPU bound's quantile per setting), the blend-conformal forecaster fitted on --train (blend), the MLflow champion the loop "
                    + "serves, a family's newest registered version (fitted on --train if none), or one registered version. "
                    + "Loaded exactly as the loop loads it.")
    String model;

    @Option(names = "--pool-kind", paramLabel = "auto|vm-fleet|batch", defaultValue = "auto",
            description = "Which bundled policy thresholds foresight's changes pass (tiers, steps, approvals sized for VM fleets "
                    + "or batch clusters); auto: batch for SWF job logs, vm-fleet otherwise. Default: ${DEFAULT-VALUE}.")
    String poolKind;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (summary.json, report.html).")
    Path out;

    @Option(names = "--users", paramLabel = "N", description = "Evaluate only the first N test users (default: all).")
    Integer users;

    @Option(names = "--policies", paramLabel = "a,b,...",
            description = "Policies to compare (default: ${DEFAULT-VALUE}).",
            defaultValue = "static,hpa,vpa,autopilot,oracle,foresight")
    String policies;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Worker threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup-days", paramLabel = "D", defaultValue = "8",
            description = "Days of a user's training data replayed, unscored, before its test (default: ${DEFAULT-VALUE}).")
    int warmupDays;

    @Option(names = "--rules", paramLabel = "DIR|bundled|none", defaultValue = "bundled",
            description = "Policy rules foresight's changes pass through, as in the loop: the bundled DRL files, a rules "
                    + "directory, or none (approve everything). Default: ${DEFAULT-VALUE}.")
    String rules;

    @Option(names = "--approvals", paramLabel = "now|never|after:N", defaultValue = "now",
            description = "Who decides changes the policies send to a person: an operator who approves at once, never "
                    + "(the loop's safe default when nobody answers), or after N cycles. Default: ${DEFAULT-VALUE}.")
    String approvals;

    @Option(names = "--off", paramLabel = "part,...", split = ",",
            description = "Run foresight with these parts switched off: profiles (per-user profiles and per-pattern "
                    + "adjustments), learned-headroom, spot, cold-start (population profile for users with under a day of "
                    + "usage), queue (on job logs: the running and waiting jobs known at each interval's end lead the bound), "
                    + "events (interaction events from the ingestion API lead the bound; no public trace has any).")
    List<String> off = List.of();

    @Option(names = "--on", paramLabel = "part,...", split = ",",
            description = "Run foresight with these parts switched on besides the defaults (the names of --off): e.g. "
                    + "learned-headroom (the headroom bandit per pattern), recurring-peaks (raise the upper bound to the "
                    + "daily peak that recurred at that time of day, before it comes).")
    List<String> on = List.of();

    @Option(names = "--ablations",
            description = "Also rerun foresight with each part that is on switched off, one at a time; summary.json gains "
                    + "ablations: {part: {cost, underprovisioned_fraction, changes_per_user_day}} with that part off, "
                    + "and additions: the same for each part that is off by default, switched on alone.")
    boolean ablations;

    @Option(names = "--cold-start-share", paramLabel = "F", defaultValue = "0",
            description = "Hold this share of the test users (0..1, drawn with --cold-start-seed among those in --train) out "
                    + "of training entirely: nothing is fitted on them and they get no warm-up, so summary.json's cold_start "
                    + "compares the policies on users nobody has seen. Default: ${DEFAULT-VALUE}.")
    double coldStartShare;

    @Option(names = "--cold-start-seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the draw of held-out users (default: ${DEFAULT-VALUE}).")
    long coldStartSeed;

    @Option(names = "--pattern-model", paramLabel = "champion|models:/NAME/VERSION|DIR",
            description = "Pattern models the retraining workflow trained (classifier + population profile), loaded as the "
                    + "loop's worker loads them: champion (what the loop serves), a registered version of "
                    + "foresight-pattern-classifier, or a model directory. The profiles name each user's pattern with the "
                    + "classifier instead of the documented rules, and cold users start from its population profile.")
    String patternModel;

    @Option(names = "--sweep",
            description = "Also replay every policy over its own risk knob (static scale, hpa target utilisation, vpa and "
                    + "autopilot percentile and margin, foresight CPU quantile and headroom) and report the cost at matched CPU "
                    + "risk (0.5%% and 1%%); summary.json gains frontier and matched_risk, report.html the curves.")
    boolean sweep;

    @Option(names = "--per-user",
            description = "Also write per_user.csv: each test user's cost and CPU under-provisioned intervals per policy (and "
                    + "per sweep setting with --sweep), to see which users carry the cost and which the risk.")
    boolean perUserCsv;

    @Option(names = "--lead-steps", paramLabel = "L,L,...", split = ",",
            description = "Also evaluate every policy with decisions in force L steps after their data (1 = the default "
                    + "one-step lead; e.g. 1,2,6: capacity that takes 5 or 25 more minutes to arrive); summary.json gains "
                    + "lead_time: {policy: {L: {cost, underprovisioned_fraction, peak_coverage, ...}}}.")
    List<Integer> leadSteps = List.of();

    @Option(names = "--users-file", paramLabel = "FILE",
            description = "The pool's users' team, tier and spot permission (format: conf/users.properties). Default: all "
                    + "users in team default, tier STANDARD, no spot.")
    Path usersFile;

    /** The same Drools gate the control loop runs, so the evaluated allocations are the ones the loop would apply. */
    PolicyGate gate(io.foresight.rules.PoolKind kind) {
        return switch (rules) {
            case "none" -> PolicyGate.PERMISSIVE;
            case "bundled" -> new io.foresight.rules.DroolsPolicyGate(io.foresight.rules.PolicyRepository.bundled(kind), PriceBook.DEFAULT);
            default -> {
                Path dir = Path.of(rules);
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("--rules " + rules + " is not a directory: pass bundled, none or a folder of .drl files");
                }
                yield new io.foresight.rules.DroolsPolicyGate(io.foresight.rules.PolicyRepository.fromDirectory(dir, kind), PriceBook.DEFAULT);
            }
        };
    }

    /** The time the trace is cut at: DAYS after its first interval, or the start of a UTC date. */
    static long cutAt(String spec, Trace t) {
        long first = Long.MAX_VALUE;
        for (var s : t.users().values()) {
            if (s.size() > 0) {
                first = Math.min(first, s.timestamp(0));
            }
        }
        if (first == Long.MAX_VALUE) {
            throw new IllegalArgumentException("--train has no usable users to split (all records quarantined?)");
        }
        String v = spec.trim();
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                double days = Double.parseDouble(v);
                if (days <= 0) {
                    throw new IllegalArgumentException("--split-at must be a positive number of days, got " + spec);
                }
                return first + Math.round(days * 86400);
            }
            return java.time.LocalDate.parse(v).atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("--split-at '" + spec + "' is neither a number of days nor a date YYYY-MM-DD. "
                    + "Fix: e.g. --split-at 10 or --split-at 2005-11-30");
        }
    }

    /**
     * Each user's series cut in time: [before cut] trains, [from cut] is the test. A job log's series counts the
     * cores of jobs running in each interval, so a job running across the cut is in both parts.
     */
    static Trace[] split(Trace t, long cut) {
        java.util.Map<String, io.foresight.core.trace.UserSeries> a = new java.util.LinkedHashMap<>();
        java.util.Map<String, io.foresight.core.trace.UserSeries> b = new java.util.LinkedHashMap<>();
        for (var s : t.users().values()) {
            int k = 0;
            while (k < s.size() && s.timestamp(k) < cut) {
                k++;
            }
            if (k > 0) {
                a.put(s.user(), s.slice(0, k));
            }
            if (k < s.size()) {
                b.put(s.user(), s.slice(k, s.size()));
            }
        }
        return new Trace[] {new Trace(t.stepSeconds(), a, t.report()), new Trace(t.stepSeconds(), b, t.report())};
    }

    /**
     * The test users to hold out of training: {@code share} of those the training trace holds, drawn with
     * {@code seed}, in test order.
     */
    static java.util.List<String> holdOut(Trace train, Trace test, double share, long seed) {
        java.util.List<String> known = new java.util.ArrayList<>();
        for (String u : test.users().keySet()) {
            if (train.user(u) != null) {
                known.add(u);
            }
        }
        int n = (int) Math.round(share * known.size());
        if (n == 0) {
            return java.util.List.of();
        }
        java.util.List<String> drawn = new java.util.ArrayList<>(known);
        java.util.Collections.shuffle(drawn, new java.util.Random(seed));
        java.util.Set<String> pick = new java.util.HashSet<>(drawn.subList(0, n));
        return known.stream().filter(pick::contains).toList();
    }

    private static java.util.Map<String, Object> coldEntry(io.foresight.core.eval.PolicyMetrics m, PriceBook prices) {
        java.util.Map<String, Object> h = Summary.headline(m, prices);
        h.put("user_intervals", m.userIntervals());
        return h;
    }

    @Override
    public Integer call() {
        List<String> names = Policies.parse(policies);
        if ((test == null) == (splitAt == null)) {
            throw new IllegalArgumentException("pass either --test FILE or --split-at DAYS|DATE (to test on the later part of --train)");
        }
        if (users != null && users <= 0) {
            throw new IllegalArgumentException("--users must be positive, got " + users);
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("--threads must be positive, got " + threads);
        }
        if (warmupDays < 0) {
            throw new IllegalArgumentException("--warmup-days must be >= 0, got " + warmupDays);
        }
        if (!(coldStartShare >= 0 && coldStartShare < 1)) {
            throw new IllegalArgumentException("--cold-start-share must be in [0,1), got " + coldStartShare);
        }
        for (int l : leadSteps) {
            if (l < 1 || l > 288) {
                throw new IllegalArgumentException("--lead-steps " + l + " is outside 1..288: pass steps of the trace, e.g. 1,2,6");
            }
        }
        if (model == null) { // the loop's model by default, also for a sweep (which sets its CPU quantile per setting)
            model = "retrained";
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " exists and is not a directory: pass a directory");
        }
        List<Path> trainFiles = BitbrainsReader.paths(train);
        TraceFiles.Format trainFormat = TraceFiles.check("--train", trainFiles);
        io.foresight.rules.PoolKind kind = poolKind.equals("auto")
                ? (trainFormat == TraceFiles.Format.SWF ? io.foresight.rules.PoolKind.BATCH : io.foresight.rules.PoolKind.VM_FLEET)
                : io.foresight.rules.PoolKind.parse(poolKind);
        PolicyGate gate = gate(kind);
        Trace trainTrace;
        Trace testTrace;
        if (splitAt != null) {
            System.err.println("reading " + trainFiles.size() + " file(s), split at " + splitAt);
            Trace all = TraceFiles.read(trainFormat, trainFiles);
            Trace[] parts = split(all, cutAt(splitAt, all));
            trainTrace = parts[0];
            testTrace = parts[1];
        } else {
            List<Path> testFiles = BitbrainsReader.paths(test);
            TraceFiles.Format testFormat = TraceFiles.check("--test", testFiles);
            if (new java.util.HashSet<>(trainFiles.stream().map(p -> p.toAbsolutePath().normalize()).toList())
                    .removeAll(testFiles.stream().map(p -> p.toAbsolutePath().normalize()).toList())) {
                System.err.println("warning: --train and --test share file(s): foresight and the baselines are scored on data "
                        + "they were fitted on, so the results are optimistic (leaked). Fix: test on a later period, or use --split-at");
            }
            System.err.println("reading " + trainFiles.size() + " training and " + testFiles.size() + " test file(s)");
            trainTrace = TraceFiles.read(trainFormat, trainFiles);
            testTrace = TraceFiles.read(testFormat, testFiles);
        }
        String thresholds = gate instanceof io.foresight.rules.DroolsPolicyGate d
                ? d.repository().current().thresholdsSource() : "none (every change approved)";
        System.err.println("policies: " + rules + " rules, " + kind + " thresholds (" + thresholds + "), approvals " + approvals);
        if (users != null) {
            testTrace = testTrace.limitUsers(users);
        }
        if (testTrace.users().isEmpty()) {
            throw new IllegalArgumentException("the --test trace has no usable users (all records quarantined?)");
        }
        java.util.List<String> heldOut = holdOut(trainTrace, testTrace, coldStartShare, coldStartSeed);
        if (!heldOut.isEmpty()) {
            java.util.Map<String, io.foresight.core.trace.UserSeries> kept = new java.util.LinkedHashMap<>(trainTrace.users());
            kept.keySet().removeAll(heldOut);
            trainTrace = new Trace(trainTrace.stepSeconds(), kept, trainTrace.report());
            System.err.println("cold start: " + heldOut.size() + " of " + testTrace.users().size()
                    + " test users held out of training (seed " + coldStartSeed + ")");
        }
        if (trainTrace.stepSeconds() != testTrace.stepSeconds()) {
            throw new IllegalArgumentException("--train has " + trainTrace.stepSeconds() + " s steps but --test has "
                    + testTrace.stepSeconds() + " s: pass traces of the same source");
        }
        Policies.ForesightSettings settings = Policies.ForesightSettings.defaults();
        Policies.checkTestLength(names, testTrace, settings);
        PriceBook prices = PriceBook.DEFAULT;
        io.foresight.core.engine.ApprovalModel approvalModel = io.foresight.core.engine.ApprovalModel.parse(approvals);
        System.err.println("training " + names + " on " + trainTrace.users().size() + " users");
        Evaluator.Config cfg = new Evaluator.Config(threads, warmupDays, 4, prices, System.err, 5000);
        io.foresight.core.engine.CycleEngine.Parts parts = io.foresight.core.engine.CycleEngine.Parts.DEFAULTS;
        for (String o : on) {
            parts = parts.with(o);
        }
        for (String o : off) {
            parts = parts.without(o);
        }
        io.foresight.core.engine.UserDirectory directory = usersFile == null ? io.foresight.core.engine.UserDirectory.DEFAULTS
                : io.foresight.core.engine.UserDirectory.load(usersFile);
        io.foresight.core.forecast.ModelArtifacts.LoadedPatterns patternModels = patternModel == null ? null
                : Models.patternModels(patternModel.trim(), io.foresight.app.stack.FsConfig.load(), System.err);
        io.foresight.core.features.PatternClassifier patterns = patternModels == null ? null : patternModels.classifier();
        io.foresight.core.engine.PopulationProfile population = patternModels == null ? null : patternModels.population();
        Evaluator evaluator;
        // the served model when it is not the blend (which is refitted wherever its settings change), else null
        io.foresight.activities.controlloop.ForecasterProvider.ModelInUse served = null;
        if (model.equals("blend") || !names.contains("foresight")) {
            evaluator = Policies.evaluator(names, trainTrace, settings, gate, prices, approvalModel, cfg, parts, directory,
                    patterns, population);
        } else {
            // the same ModelInUse the loop's worker serves (ModelChoice/Models), through the loop's engine
            io.foresight.activities.controlloop.ForecasterProvider.ModelInUse m =
                    ModelChoice.resolve(model, io.foresight.app.stack.FsConfig.load(), trainTrace, System.err);
            System.err.println("foresight predicts with " + m.version());
            if (sweep && !(m.forecaster() instanceof io.foresight.core.forecast.BlendForecaster)
                    && io.foresight.core.eval.Sweep.servedAt(m.forecaster(), settings) == null) {
                throw new IllegalArgumentException("--sweep varies foresight's CPU upper-bound quantile, which " + m.version()
                        + " (" + m.forecaster().name() + ") cannot set. Fix: --model retrained, median-periodic, recent-median "
                        + "or blend with --sweep, or drop foresight from --policies");
            }
            served = m.forecaster() instanceof io.foresight.core.forecast.BlendForecaster ? null : m;
            evaluator = new Evaluator(Policies.create(names, trainTrace), Policies.foresight(trainTrace, settings, gate,
                    prices, m.forecaster(), m.version(), approvalModel, parts, directory, patterns, population), cfg);
        }
        EvaluationResult res = evaluator.run(trainTrace, testTrace);
        // every other run of foresight below (ablations, lead times, the sweep) predicts with the same model as the run
        // above: the served one, or the blend refitted at the run's settings
        final io.foresight.activities.controlloop.ForecasterProvider.ModelInUse servedModel = served;
        // a served calibrated family keeps its own CPU quantile in every run; a sweep moves it from there
        final Policies.ForesightSettings runSettings = served != null
                && served.forecaster() instanceof io.foresight.core.forecast.CalibratedForecaster c
                ? settings.withRisk(c.nominal(io.foresight.core.model.Resource.CPU), settings.planner().headroom()) : settings;
        final Trace fitOn = trainTrace;
        final io.foresight.core.engine.UserDirectory users = directory;
        final io.foresight.core.engine.ApprovalModel approve = approvalModel;
        ForesightRuns runs = (which, fs, p, c) -> servedModel == null
                ? Policies.evaluator(which, fitOn, fs, gate, prices, approve, c, p, users, patterns, population)
                : new Evaluator(Policies.create(which, fitOn), Policies.foresight(fitOn, fs, gate, prices,
                        servedAt(servedModel, fs), servedModel.version(), approve, p, users, patterns, population), c);
        List<String> foresightOnly = List.of("foresight");
        java.util.Map<String, Object> extra = new java.util.LinkedHashMap<>();
        java.util.Map<String, EvaluationResult> abCold = java.util.Map.of();
        java.util.List<Evaluator> abEvaluators = new java.util.ArrayList<>();
        if (ablations && names.contains("foresight")) {
            java.util.Map<String, Object> ab = new java.util.LinkedHashMap<>();
            abCold = new java.util.LinkedHashMap<>();
            // a part fed by data the traces do not have cannot change a decision: no pass is spent on it
            java.util.Map<String, String> idle = new java.util.LinkedHashMap<>();
            if (java.util.stream.Stream.of(trainTrace, testTrace).flatMap(t -> t.users().values().stream()).allMatch(u -> u.jobs() == null)) {
                idle.put("queue", "no job log in --train/--test");
            }
            if (java.util.stream.Stream.of(trainTrace, testTrace).flatMap(t -> t.users().values().stream()).allMatch(u -> u.events() == null)) {
                idle.put("events", "no interaction events in --train/--test");
            }
            for (var part : parts.named().entrySet()) {
                if (!part.getValue()) {
                    continue;
                }
                if (idle.containsKey(part.getKey())) {
                    System.err.println("ablation: " + part.getKey() + " not run (" + idle.get(part.getKey()) + ": off changes nothing)");
                    continue;
                }
                System.err.println("ablation: foresight with " + part.getKey() + " off");
                Evaluator e = runs.apply(foresightOnly, runSettings, parts.without(part.getKey()), cfg);
                EvaluationResult r = e.run(trainTrace, testTrace);
                abEvaluators.add(e);
                ab.put(part.getKey(), Summary.headline(r.policies().get("foresight"), prices));
                abCold.put(part.getKey(), r);
            }
            extra.put("ablations", ab);
            if (!idle.isEmpty()) {
                extra.put("ablations_not_run", idle);
            }
            // the parts that are off by default, each switched on alone: what keeping them off gives up
            java.util.Map<String, Object> on = new java.util.LinkedHashMap<>();
            for (var part : parts.named().entrySet()) {
                if (part.getValue()) {
                    continue;
                }
                System.err.println("ablation: foresight with " + part.getKey() + " on");
                EvaluationResult r = runs.apply(foresightOnly, runSettings, parts.with(part.getKey()), cfg).run(trainTrace, testTrace);
                on.put(part.getKey(), Summary.headline(r.policies().get("foresight"), prices));
            }
            extra.put("additions", on);
        }
        java.util.Map<String, Object> cold = new java.util.LinkedHashMap<>();
        evaluator.coldStart().forEach((name, m) -> cold.put(name, coldEntry(m, prices)));
        int k = 0;
        for (String part : abCold.keySet()) {
            // the same held-out users with one part of foresight off (e.g. cold-start: defaults instead of the population)
            io.foresight.core.eval.PolicyMetrics m = abEvaluators.get(k++).coldStart().get("foresight");
            if (m != null) {
                cold.put("foresight without " + part, coldEntry(m, prices));
            }
        }
        if (!heldOut.isEmpty()) {
            extra.put("cold_start_held_out", java.util.Map.of("share", coldStartShare, "seed", coldStartSeed,
                    "users", heldOut));
        }
        extra.put("cold_start", cold);
        final io.foresight.core.engine.CycleEngine.Parts partsUsed = parts;
        Evaluator.Config quiet = new Evaluator.Config(threads, warmupDays, 0, prices, null, 0);
        if (!leadSteps.isEmpty()) {
            java.util.Map<String, java.util.Map<String, Object>> byPolicy = new java.util.LinkedHashMap<>();
            for (int lead : new java.util.TreeSet<>(leadSteps)) {
                EvaluationResult r = res;
                if (lead != 1) {
                    System.err.println("lead time: every policy with decisions in force " + lead + " steps after their data");
                    r = runs.apply(names, runSettings.forProvisioningSteps(lead), partsUsed, quiet.withProvisioningSteps(lead))
                            .run(trainTrace, testTrace);
                }
                r.policies().forEach((name, m) -> byPolicy.computeIfAbsent(name, x -> new java.util.LinkedHashMap<>())
                        .put(Integer.toString(lead), Summary.leadTimeEntry(m, prices)));
            }
            extra.put("lead_time", byPolicy);
        }
        io.foresight.core.eval.Sweep.Result swept = null;
        if (sweep) {
            // a served calibrated family sweeps its own CPU quantile around the one it was built with (the default
            // setting is then the single-point run); the blend is refitted at each setting's quantile
            List<io.foresight.core.eval.Sweep.Setting> grid = io.foresight.core.eval.Sweep.settings(names, runSettings);
            System.err.println("sweep: " + grid.size() + " settings over " + names
                    + (served == null ? "" : "; foresight with " + served.version() + " at each CPU quantile"));
            swept = io.foresight.core.eval.Sweep.run(grid, trainTrace, testTrace, cfg,
                    fs -> runs.apply(foresightOnly, fs, partsUsed, quiet), runSettings, res);
            extra.put("frontier", io.foresight.core.eval.Sweep.frontierJson(swept, prices));
            extra.put("matched_risk", io.foresight.core.eval.Sweep.matchedJson(swept, prices));
            extra.put("matched_risk_detail", io.foresight.core.eval.Sweep.matchedDetailJson(swept, prices));
        }
        if (perUserCsv) {
            writePerUser(out.resolve("per_user.csv"), evaluator.perUser(), swept, prices);
        }
        Summary.writeJson(res, prices, out.resolve("summary.json"), extra);
        HtmlReport.write(res, prices, out.resolve("report.html"), swept);
        System.out.print(Summary.table(res, prices));
        if (extra.get("lead_time") instanceof java.util.Map<?, ?> lt) {
            System.out.print(Summary.leadTimeTable(lt));
        }
        if (swept != null) {
            System.out.print(io.foresight.core.eval.Sweep.table(swept, prices));
        }
        System.out.println("wrote " + out.resolve("summary.json") + " and " + out.resolve("report.html"));
        return 0;
    }

    /** One row per (policy or sweep setting, user): cost, CPU intervals scored and under-provisioned, CPU core-hours. */
    static void writePerUser(Path file, java.util.Map<String, java.util.Map<String, io.foresight.core.eval.PolicyMetrics>> single,
                             io.foresight.core.eval.Sweep.Result swept, PriceBook prices) {
        java.util.Map<String, java.util.Map<String, io.foresight.core.eval.PolicyMetrics>> rows = new java.util.LinkedHashMap<>(single);
        if (swept != null) {
            rows.putAll(swept.perUser());
            // a default setting was not rerun: its users are the single-point run's
            swept.frontier().values().forEach(points -> points.forEach(p -> {
                if (p.setting().isDefault() && single.containsKey(p.setting().policy())) {
                    rows.put(p.setting().label(), single.get(p.setting().policy()));
                }
            }));
        }
        io.foresight.core.model.Resource cpu = io.foresight.core.model.Resource.CPU;
        StringBuilder b = new StringBuilder("policy,user,cost,cpu_scored,cpu_under,cpu_allocated_hours,cpu_used_hours,changes_per_day\n");
        rows.forEach((policy, users) -> users.forEach((user, m) -> b.append(String.format(java.util.Locale.ROOT,
                "\"%s\",%s,%.6f,%d,%d,%.4f,%.4f,%.4f%n", policy, user, m.cost(prices), m.scored(cpu), m.underprovisioned(cpu),
                m.allocatedHours(cpu), m.usedHours(cpu), m.changesPerUserDay()))));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, b.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Builds an evaluator of the named policies with foresight (if named) at given settings and parts. */
    @FunctionalInterface
    private interface ForesightRuns {
        Evaluator apply(List<String> policies, Policies.ForesightSettings settings,
                        io.foresight.core.engine.CycleEngine.Parts parts, Evaluator.Config config);
    }

    /**
     * The served model at {@code settings}: a calibrated family with its CPU bound at the settings' CPU quantile (which
     * {@code evaluate} starts at the model's own, so only a sweep moves it), any other model as served.
     */
    private static io.foresight.core.forecast.Forecaster servedAt(
            io.foresight.activities.controlloop.ForecasterProvider.ModelInUse m, Policies.ForesightSettings settings) {
        io.foresight.core.forecast.Forecaster at = io.foresight.core.eval.Sweep.servedAt(m.forecaster(), settings);
        return at == null ? m.forecaster() : at;
    }
}
