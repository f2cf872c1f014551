package io.foresight.core.eval;

import io.foresight.core.engine.ApprovalModel;
import io.foresight.core.engine.CycleEngine;
import io.foresight.core.engine.LearnedHeadroom;
import io.foresight.core.engine.PoolFacts;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.engine.TeamLedger;
import io.foresight.core.engine.UserHistory;
import io.foresight.core.feedback.Anomaly;
import io.foresight.core.forecast.Forecast;
import io.foresight.core.forecast.Forecaster;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.cost.SpotMarket;
import io.foresight.core.plan.CapacityPlanner;
import io.foresight.core.plan.PlannedAllocation;
import io.foresight.core.plan.Planner;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * {@code evaluate}'s driver of the {@link CycleEngine}: replays a pool of users interval by interval, in the
 * order the control loop's cycle runs, so its allocations are the loop's:
 * <ol>
 *   <li>each active user's usage of interval i is scored against the allocation in force and appended to its
 *       history, and the anomaly detector judges it;</li>
 *   <li>each user is forecast (from intervals &le; i only) and planned;</li>
 *   <li>the pool's facts (team spend from every user's allocation in force, the ledger of today's spend, the
 *       users flagged in interval i) and one policy check over the whole pool decide the changes;</li>
 *   <li>waiting changes go to the {@link ApprovalModel}; the result is in force from interval i+1.</li>
 * </ol>
 * A user starts at its first replayed interval holding what the trace provisioned, with the intervals before
 * it as history. Users run on one time grid; per-user work of an interval runs on the given executor.
 *
 * <p>The simulated platform applies what a cycle set {@code provisioningSteps} intervals later (1, the default:
 * from the next interval on). The engine plans from what it last set (as the loop's actuator reports it); the
 * allocation scored is what has arrived.
 *
 * <p>Spot: a user whose applied decision put it on spot holds spot capacity. Every interval the engine places the
 * pool on nodes ({@link CycleEngine#place}) and the {@link SpotMarket} draws each spot node once; the users of a
 * reclaimed node have no CPU or memory until the on-demand replacement arrives {@link SpotMarket#fallbackSteps()}
 * intervals later (the provisioning lead), and stay on-demand until a later applied decision puts them on spot again.
 */
public final class PoolReplay {
    /** Receives every scored user-interval (called on the replay's thread, in pool order). */
    public interface Listener {
        /**
         * @param forecast the forecast the allocation was planned from (null before the first decision)
         */
        void interval(int user, int index, ResourceVector inForce, Forecast forecast);

        /** The pool's decisions of one cycle (after the policy check and the approvals). */
        default void decided(long at, List<CycleEngine.UserDecision> decisions, Set<String> approved) {}

        /** The headroom bandit's state after a cycle (null when learned headroom is off). */
        default void learned(LearnedHeadroom.State state) {}

        /** A new version of a user's profile was published (called on the replay's thread, in pool order). */
        default void profiled(ProfileState version) {}

        /**
         * The pool's nodes during the interval starting at {@code at} (before the users' {@link #interval} calls):
         * the capacity planner's packing of the allocations in force, the same allocations all on-demand, and the
         * spot nodes the market reclaimed in it.
         */
        default void placed(long at, CapacityPlanner.Plan nodes, CapacityPlanner.Plan allOnDemand,
                            List<CapacityPlanner.Node> reclaimed) {}

        /**
         * Where a user's allocation in force was held in the interval (called right before its {@link #interval}):
         * on spot, or lost with a reclaimed spot node until its on-demand replacement arrives.
         */
        default void held(int user, boolean onSpot, boolean capacityLost) {}
    }

    /**
     * One user of the pool: its series, the first interval the replay scores (earlier ones are its history), and
     * what the user holds then (what the platform provisioned, as the loop finds it before its first change).
     */
    public record UserReplay(UserSeries series, int first, ResourceVector initial) {
        public UserReplay {
            Objects.requireNonNull(series, "series");
            Objects.requireNonNull(initial, "initial");
            if (first < 0 || first > series.size()) {
                throw new IllegalArgumentException("first " + first + " outside " + series.user() + "'s " + series.size()
                        + " intervals");
            }
        }
    }

    private final CycleEngine engine;
    private final Forecaster model;
    private final String modelVersion;
    private final String pool;
    private final ApprovalModel approvals;
    /** The configured facts of each user (team, tier, spot allowed): the base the profiler learns on. */
    private final Function<String, UserProfile> profiles;
    private final int provisioningSteps;
    private final SpotMarket market;

    public PoolReplay(CycleEngine engine, Forecaster model, String modelVersion, String pool, ApprovalModel approvals,
                      Function<String, UserProfile> profiles) {
        this(engine, model, modelVersion, pool, approvals, profiles, 1, null);
    }

    /** @param market the spot market; null: the documented default rate with the fallback one lead time later */
    private PoolReplay(CycleEngine engine, Forecaster model, String modelVersion, String pool, ApprovalModel approvals,
                       Function<String, UserProfile> profiles, int provisioningSteps, SpotMarket market) {
        if (provisioningSteps < 1) {
            throw new IllegalArgumentException("provisioning lead must be at least 1 step, got " + provisioningSteps);
        }
        this.provisioningSteps = provisioningSteps;
        this.engine = Objects.requireNonNull(engine, "engine");
        int lead = provisioningSteps;
        for (int l : engine.planner().config().leadSteps()) {
            lead = Math.max(lead, l);
        }
        this.market = market != null ? market : SpotMarket.defaults(lead);
        this.model = Objects.requireNonNull(model, "model");
        this.modelVersion = Objects.requireNonNull(modelVersion, "modelVersion");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.approvals = Objects.requireNonNull(approvals, "approvals");
        this.profiles = Objects.requireNonNull(profiles, "profiles");
    }

    public CycleEngine engine() {
        return engine;
    }

    /** This replay on a platform where what a cycle sets is in force {@code steps} intervals later. */
    public PoolReplay withProvisioningSteps(int steps) {
        return steps == provisioningSteps ? this
                : new PoolReplay(engine, model, modelVersion, pool, approvals, profiles, steps, null);
    }

    /** This replay with spot capacity reclaimed by {@code m} (e.g. another rate, to measure what interruptions cost). */
    public PoolReplay withSpotMarket(SpotMarket m) {
        return new PoolReplay(engine, model, modelVersion, pool, approvals, profiles, provisioningSteps,
                Objects.requireNonNull(m, "market"));
    }

    public Forecaster model() {
        return model;
    }

    /** The spot market the replay's platform draws interruptions from (the documented rate, seeded). */
    public SpotMarket market() {
        return market;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public ApprovalModel approvals() {
        return approvals;
    }

    private static final class UserState {
        final int id;
        final UserSeries s;
        final int first;
        final ResourceVector initial;
        final long t0;
        UserHistory history;
        final Planner.State planner = new Planner.State();
        /** What the platform holds now (scored). */
        ResourceVector inForce;
        /** What the engine last set; equal to inForce when changes arrive at the next interval. */
        ResourceVector requested;
        /** Settings made but not arrived yet, oldest first. */
        final java.util.ArrayDeque<ResourceVector> arriving = new java.util.ArrayDeque<>();
        Forecast forecast;
        Forecast nextForecast;
        PlannedAllocation plan;
        ProfileState profile;
        ProfileState published;
        boolean spiking;
        boolean anomalous;
        double[] usage;
        int waited;
        /** Holds spot capacity (its last applied decision put it there, and no node of it was reclaimed since). */
        boolean spot;
        /** Intervals left without capacity after a reclaimed spot node, until the on-demand fallback arrives. */
        int lost;

        UserState(int id, UserReplay r) {
            this.id = id;
            this.s = r.series();
            this.first = r.first();
            this.initial = r.initial();
            this.t0 = s.size() == 0 ? 0 : s.timestamp(0);
        }
    }

    /** Replays every user to the end of its series. */
    public void run(List<UserReplay> users, Listener listener, ExecutorService executor, int threads) {
        if (users.isEmpty()) {
            return;
        }
        int step = users.get(0).series().stepSeconds();
        List<UserState> all = new ArrayList<>();
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (UserReplay r : users) {
            if (r.series().stepSeconds() != step) {
                throw new IllegalArgumentException("user " + r.series().user() + " has " + r.series().stepSeconds()
                        + " s steps, the pool " + step + " s: replay one source at a time");
            }
            UserState u = new UserState(all.size(), r);
            all.add(u);
            if (r.first() < r.series().size()) {
                start = Math.min(start, r.series().timestamp(r.first()));
                end = Math.max(end, r.series().timestamp(r.series().size() - 1));
            }
        }
        if (start == Long.MAX_VALUE) {
            return;
        }
        TeamLedger ledger = TeamLedger.EMPTY;
        LearnedHeadroom.State learned = null;
        int window = CycleEngine.historyWindow(step);
        for (long t = start; t <= end; t += step) {
            List<UserState> active = new ArrayList<>();
            for (UserState u : all) {
                long k = Math.floorDiv(t - u.t0, step);
                if (k >= u.first && k < u.s.size()) {
                    if (u.history == null) {
                        u.history = UserHistory.seed(u.s, u.first, window);
                        u.inForce = u.initial;
                        u.requested = u.initial;
                    }
                    active.add(u);
                }
            }
            long at = t;
            LearnedHeadroom.State arms = learned;
            // 1 + 2: observe, judge, forecast and plan each user (independent per user: in parallel)
            parallel(active, executor, threads, u -> {
                int i = (int) ((at - u.t0) / step);
                double[] usage = u.s.usageAt(i).toArray();
                u.usage = usage;
                u.history.append(at, usage, u.s.jobs() == null ? null : u.s.jobs().at(i),
                        u.s.events() == null ? null : u.s.events().at(i));
                List<Anomaly> found = engine.anomalies(u.history);
                u.spiking = found.stream().anyMatch(a -> a.kind() == Anomaly.Kind.SPIKE);
                u.anomalous = !found.isEmpty();
                Forecast f = engine.forecast(model, modelVersion, u.history);
                UserProfile base = profiles.apply(u.s.user());
                u.profile = engine.profile(u.profile, base, u.history, f);
                f = engine.withColdStartNeed(u.profile, u.history, f);
                u.plan = engine.plan(f, u.requested, u.planner, CycleEngine.profileOf(u.profile, base), arms);
                u.nextForecast = f;
            });
            // the platform: the pool on nodes, spot nodes reclaimed, their users lost until the fallback arrives
            Map<String, ResourceVector> held = new LinkedHashMap<>();
            Set<String> onSpot = new HashSet<>();
            Map<String, UserState> byUser = new HashMap<>();
            for (UserState u : active) {
                held.put(u.s.user(), u.inForce);
                byUser.put(u.s.user(), u);
                if (u.spot) {
                    onSpot.add(u.s.user());
                }
            }
            CapacityPlanner.Plan nodes = engine.place(held, onSpot);
            List<CapacityPlanner.Node> reclaimed = market.reclaimed(nodes, t, step);
            for (CapacityPlanner.Node n : reclaimed) {
                for (String user : n.users()) {
                    UserState u = byUser.get(user);
                    u.spot = false;
                    u.lost = market.fallbackSteps();
                }
            }
            listener.placed(t, nodes, onSpot.isEmpty() ? nodes : engine.place(held, Set.of()), reclaimed);
            Map<String, UserProfile> current = new HashMap<>();
            for (UserState u : active) {
                int i = (int) ((t - u.t0) / step);
                listener.held(u.id, u.spot, u.lost > 0);
                if (u.lost > 0) {
                    u.lost--;
                }
                listener.interval(u.id, i, u.inForce, u.forecast);
                u.forecast = u.nextForecast;
                if (u.profile != null && (u.published == null || u.profile.version() != u.published.version())) {
                    listener.profiled(u.profile);
                }
                u.published = u.profile;
                current.put(u.s.user(), CycleEngine.profileOf(u.profile, profiles.apply(u.s.user())));
            }
            Function<String, UserProfile> who = user -> {
                UserProfile p = current.get(user);
                return p != null ? p : profiles.apply(user);
            };
            // 3: one policy check over the pool
            Map<String, ResourceVector> inForce = new LinkedHashMap<>();
            Set<String> spiking = new HashSet<>();
            List<PlannedAllocation> plans = new ArrayList<>(active.size());
            for (UserState u : active) {
                inForce.put(u.s.user(), u.requested);
                if (u.spiking) {
                    spiking.add(u.s.user());
                }
                plans.add(u.plan);
            }
            Map<String, Double> teamCost = PoolFacts.teamCostPerHour(inForce, who, engine.prices());
            ledger = ledger.add(t, step, teamCost);
            long effective = t + step;
            PoolFacts facts = new PoolFacts(pool, effective, teamCost, ledger.today(effective), false, spiking, Set.of());
            List<CycleEngine.UserDecision> decisions = engine.decide(facts, plans, who);
            // 3a: the headroom bandit learns from the interval just observed and draws the next plan's arms
            List<LearnedHeadroom.Outcome> outcomes = new ArrayList<>(active.size());
            Map<String, io.foresight.core.model.Pattern> next = new LinkedHashMap<>();
            for (UserState u : active) {
                UserProfile p = who.apply(u.s.user());
                LearnedHeadroom.Outcome o = engine.headroomOutcome(u.s.user(), p.pattern(), u.inForce, u.usage, step,
                        u.anomalous);
                if (o != null) { // not observed: no evidence, and the next plan uses the configured headroom
                    outcomes.add(o);
                    next.put(u.s.user(), p.pattern());
                }
            }
            learned = engine.learnHeadroom(learned, t, outcomes, next);
            listener.learned(learned);
            // 4: approvals, then what is in force from the next interval on
            Set<String> approved = new HashSet<>();
            for (int k = 0; k < active.size(); k++) {
                UserState u = active.get(k);
                CycleEngine.UserDecision d = decisions.get(k);
                boolean ok = false;
                if (d.waiting()) {
                    ok = approvals.approves(u.waited);
                    u.waited = ok ? 0 : u.waited + 1;
                    if (ok) {
                        approved.add(u.s.user());
                    }
                } else {
                    u.waited = 0;
                }
                if (d.verdict() != null && (d.verdict().applies() || ok)) {
                    u.spot = d.verdict().spot();
                }
                u.requested = CycleEngine.inForceAfter(u.requested, d, ok);
                if (provisioningSteps == 1) {
                    u.inForce = u.requested;
                } else {
                    u.arriving.addLast(u.requested);
                    if (u.arriving.size() >= provisioningSteps) {
                        u.inForce = u.arriving.pollFirst();
                    }
                }
            }
            listener.decided(effective, decisions, approved);
        }
    }

    private static void parallel(List<UserState> users, ExecutorService executor, int threads,
                                 java.util.function.Consumer<UserState> work) {
        if (threads <= 1 || users.size() < 2 * threads) {
            users.forEach(work);
            return;
        }
        List<Future<?>> fs = new ArrayList<>(threads);
        int n = users.size();
        for (int c = 0; c < threads; c++) {
            int from = c * n / threads;
            int to = (c + 1) * n / threads;
            fs.add(executor.submit(() -> {
                for (int k = from; k < to; k++) {
                    work.accept(users.get(k));
                }
            }));
        }
        try {
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
