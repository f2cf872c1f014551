package io.foresight.rules.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.alloc.AllocationMode;
import io.foresight.core.audit.DecisionLog;
import io.foresight.core.audit.DecisionRecord;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.SeasonalNaiveForecaster;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.model.UserProfile;
import io.foresight.core.plan.CapacityPlanner;
import io.foresight.core.plan.InstanceCatalog;
import io.foresight.core.plan.PatternAdjustments;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.plan.PlannerConfig;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.ProposedChange;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import io.foresight.rules.DroolsPolicyGate;
import io.foresight.rules.PolicyRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, on the real Bitbrains trace, the cost of one control cycle's decision part at 1k, 10k and
 * 100k users: planning (Planner), the Drools policy check (decisions per second), the pool capacity
 * plan (bin packing), and the bytes a workflow would carry per cycle with a {@link PlanReference}
 * versus the full plan. Users beyond the trace's VMs reuse the VMs' real series in turn (user i gets
 * VM i mod V); patterns, tiers and teams are assigned round-robin.
 *
 * <p>Usage: {@code PolicyBenchmark [TRACE.csv.gz] [users,users,...] [repeats]}; defaults:
 * $FORESIGHT_DATA_FULL_DIR/bitbrains-rnd/2013-07.csv.gz (default ../shared/data; or $FORESIGHT_BITBRAINS), 1000,10000,100000, 3.
 */
public final class PolicyBenchmark {
    private PolicyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path trace = Path.of(args.length > 0 ? args[0]
                : System.getenv().getOrDefault("FORESIGHT_BITBRAINS", System.getenv().getOrDefault("FORESIGHT_DATA_FULL_DIR", "../shared/data") + "/bitbrains-rnd/2013-07.csv.gz"));
        int[] sizes = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1_000, 10_000, 100_000};
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        if (!Files.isReadable(trace)) {
            throw new IllegalArgumentException("trace " + trace + " not readable: pass a Bitbrains .csv.gz or set FORESIGHT_BITBRAINS");
        }
        System.out.printf("cpus available: %d, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);

        long t0 = System.nanoTime();
        Trace tr = BitbrainsReader.read(trace);
        System.out.printf("trace %s: %d VMs read in %.1f s%n", trace.getFileName(), tr.users().size(), secs(t0));

        // forecasts on day 4 of the trace, horizon 12 steps (1 h), one per VM
        int now = 3 * 288;
        SeasonalNaiveForecaster fc = SeasonalNaiveForecaster.daily();
        List<UserSeries> vms = new ArrayList<>();
        List<Forecast> forecasts = new ArrayList<>();
        t0 = System.nanoTime();
        for (UserSeries s : tr.users().values()) {
            if (s.size() > now + 1) {
                vms.add(s);
                forecasts.add(fc.forecast(s, now, 12));
            }
        }
        System.out.printf("forecasts: %d VMs in %.3f s (%.1f us/VM)%n", vms.size(), secs(t0), secs(t0) * 1e6 / vms.size());

        Planner planner = new Planner(PlannerConfig.fromLeadTimes(new long[] {300, 300, 60, 60}, 300, 0.05, 3, 0.05,
                ResourceVector.of(0.05, 0.0625, 0.01, 0.01)), PatternAdjustments.bundled());
        DroolsPolicyGate gate = new DroolsPolicyGate(PolicyRepository.bundled(), PriceBook.DEFAULT);
        CapacityPlanner capacity = new CapacityPlanner(InstanceCatalog.bundled());
        Path tmp = Files.createTempDirectory("foresight-bench");
        PlanStore store = new PlanStore(tmp);
        ObjectMapper json = new ObjectMapper();

        warmUp(gate, planner, forecasts, vms, now);

        System.out.println();
        System.out.println("users    plan_ms  plan_us/user  gate_ms   decisions/s  capacity_ms  nodes  ref_bytes  full_plan_bytes  outcomes");
        for (int n : sizes) {
            double bestPlan = Double.MAX_VALUE;
            double bestGate = Double.MAX_VALUE;
            double bestCap = Double.MAX_VALUE;
            List<PolicyDecision> decisions = null;
            List<ProposedChange> changes = null;
            List<UserProfile> profiles = null;
            CapacityPlanner.Plan cap = null;
            for (int rep = 0; rep < repeats; rep++) {
                profiles = profiles(n);
                long p0 = System.nanoTime();
                changes = plan(planner, profiles, forecasts, vms, now);
                bestPlan = Math.min(bestPlan, secs(p0));
                long g0 = System.nanoTime();
                decisions = gate.check(new PolicyContext("bench", vms.get(0).timestamp(now), Map.of(), false), changes,
                        PolicyFacts.NONE);
                bestGate = Math.min(bestGate, secs(g0));
                long c0 = System.nanoTime();
                List<CapacityPlanner.Demand> demands = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    demands.add(CapacityPlanner.Demand.of(profiles.get(i), decisions.get(i)));
                }
                cap = capacity.plan(demands);
                bestCap = Math.min(bestCap, secs(c0));
            }
            Map<DecisionOutcome, Integer> counts = new EnumMap<>(DecisionOutcome.class);
            List<DecisionRecord> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                PolicyDecision d = decisions.get(i);
                ProposedChange c = changes.get(i);
                counts.merge(d.outcome(), 1, Integer::sum);
                records.add(new DecisionRecord("bench", 1, 0, c.user(), c.forecastPeak(), c.model(), c.current(), c.proposed(),
                        d.outcome(), d.allowed(), d.spot(), d.firedRules(), d.messages(), d.costDeltaPerHour(),
                        AllocationMode.DRY_RUN, false));
            }
            PlanReference ref = store.save("bench", n, records);
            int refBytes = json.writeValueAsBytes(ref).length;
            long fullBytes = 0;
            for (DecisionRecord r : records) {
                fullBytes += DecisionLog.toJson(r).length() + 1;
            }
            System.out.printf(Locale.ROOT, "%-8d %8.1f %13.2f %8.1f %13.0f %12.1f %6d %10d %16d  %s%n", n, bestPlan * 1e3,
                    bestPlan * 1e6 / n, bestGate * 1e3, n / bestGate, bestCap * 1e3, cap.nodes().size(), refBytes, fullBytes,
                    counts);
        }
        System.out.println();
        System.out.println("plan_ms: Planner over all users (forecasts precomputed); gate_ms: DroolsPolicyGate.check over all users "
                + "(one session, bundled rules); capacity_ms: bin packing the allowed allocations; ref_bytes: JSON of the "
                + "PlanReference a workflow would carry; full_plan_bytes: JSON lines of every DecisionRecord. Best of "
                + repeats + " runs.");
        try (var s = Files.walk(tmp)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** JIT warm-up (Drools compiles rule constraints to bytecode after use): 10 s of checks before measuring. */
    private static void warmUp(DroolsPolicyGate gate, Planner planner, List<Forecast> fs, List<UserSeries> vms, int now) {
        long t0 = System.nanoTime();
        int rounds = 0;
        while (secs(t0) < 10 || rounds < 5) {
            List<ProposedChange> cs = plan(planner, profiles(5000), fs, vms, now);
            gate.check(new PolicyContext("warm", vms.get(0).timestamp(now), Map.of(), false), cs, PolicyFacts.NONE);
            rounds++;
        }
        System.out.printf("warm-up: %d checks of 5000 users in %.1f s%n", rounds, secs(t0));
    }

    static List<UserProfile> profiles(int n) {
        Pattern[] pats = Pattern.values();
        Tier[] tiers = Tier.values();
        List<UserProfile> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Pattern p = pats[i % pats.length];
            out.add(new UserProfile("user-" + i, "team-" + (i % 500), tiers[(i / pats.length) % tiers.length], p, 0.8,
                    p.interruptible(), ResourceVector.ZERO, 1, 0));
        }
        return out;
    }

    /** Plans every user from its VM's forecast; the current allocation is what the trace provisioned just before. */
    static List<ProposedChange> plan(Planner planner, List<UserProfile> profiles, List<Forecast> fs, List<UserSeries> vms, int now) {
        List<ProposedChange> out = new ArrayList<>(profiles.size());
        Map<Integer, ResourceVector> currentOf = new HashMap<>();
        for (int i = 0; i < profiles.size(); i++) {
            UserProfile u = profiles.get(i);
            int v = i % vms.size();
            ResourceVector cur = currentOf.computeIfAbsent(v, k -> {
                ResourceVector c = vms.get(k).capacityAt(now - 1);
                ResourceVector use = vms.get(k).usageAt(now - 1);
                // Bitbrains has CPU/memory capacity only: network and disk start at the last observed usage
                return c.combine(use, (cap, used) -> Double.isNaN(cap) ? (Double.isNaN(used) ? 0 : used) : cap);
            });
            Forecast f = fs.get(v);
            PlannedAllocation p = planner.plan(new Forecast(u.user(), f.issuedAt(), f.stepSeconds(), f.quantile(), f.point(),
                    f.upper(), f.model()), cur, new Planner.State(), u, false);
            boolean spot = u.spotAllowed() && u.pattern().interruptible();
            double delta = PriceBook.DEFAULT.costPerHour(p.target(), spot) - PriceBook.DEFAULT.costPerHour(cur, false);
            out.add(new ProposedChange(u.user(), u.team(), u.tier(), u.pattern(), cur, p.target(), p.forecastPeak(), p.model(),
                    spot, delta));
        }
        return out;
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

}
