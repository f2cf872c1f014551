package io.foresight.rules;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.policy.ProposedChange;
import io.foresight.rules.policy.AnomalyFlag;
import io.foresight.rules.policy.CycleFacts;
import io.foresight.rules.policy.PolicyChange;
import io.foresight.rules.policy.TeamSpend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.FactHandle;

/**
 * The policy gate backed by Drools rules from a {@link PolicyRepository}. A session holds the cycle's facts
 * (thresholds, time, team spend, anomaly flags); changes are decided one at a time in input order, so team
 * budgets are consumed deterministically. When the rules are team-local ({@link TeamLocality}: a change's
 * decision reads no other team's spend) and the check is large, the teams are spread over up to
 * {@code threads} sessions on as many threads, each team's changes in input order on one session: the same
 * decisions as one session, in the same order (PolicySplitParityTest), on every core. Every decision records the rules
 * that fired (an agenda listener), their messages and the cost change (PriceBook). If a rule throws,
 * the change keeps its current allocation and is DENIED naming the rule; the session is rebuilt for
 * the remaining changes. A change no rule decided is also DENIED (safe default).
 *
 * <p>Each change is decided within a {@link Budget}: at most so many rule firings (rules that
 * re-activate each other) and so much time (a slow condition or a long chain of firings). A watchdog
 * halts the session when the time is up (it looks every quarter of the budget, at most every 250 ms); the change is then DENIED naming the rules that were
 * running, and the session is rebuilt for the next change. The linter ({@link PolicyLinter}) keeps
 * loops and calls out of the rules, so no single evaluation can run unbounded; the budget bounds the rest.
 */
public final class DroolsPolicyGate implements PolicyGate {
    /** Upper bound on rule firings per change; more means rules re-activate each other endlessly. */
    static final int MAX_FIRINGS_PER_CHANGE = 200;

    /**
     * What one change may cost the rule engine: {@code maxFirings} rule firings and {@code time} of wall
     * clock (insert, conditions and consequences). Exceeding either denies the change (safe default).
     */
    public record Budget(int maxFirings, Duration time) {
        /** 200 firings and 2 s per change: the bundled rules need under 10 firings and well under 1 ms. */
        public static final Budget DEFAULT = new Budget(MAX_FIRINGS_PER_CHANGE, Duration.ofSeconds(2));
        /** Environment variable overriding the time budget per change, in milliseconds. */
        public static final String TIME_ENV = "FORESIGHT_POLICY_TIME_BUDGET_MS";

        public Budget {
            Objects.requireNonNull(time, "time");
            if (maxFirings < 1 || time.isNegative() || time.isZero()) {
                throw new IllegalArgumentException("policy budget needs maxFirings >= 1 and a positive time, got "
                        + maxFirings + " and " + time);
            }
        }

        /** The default budget with the time from {@value #TIME_ENV} in {@code env}, if set. */
        public static Budget configured(Map<String, String> env) {
            String ms = env.get(TIME_ENV);
            if (ms == null || ms.isBlank()) {
                return DEFAULT;
            }
            try {
                return new Budget(MAX_FIRINGS_PER_CHANGE, Duration.ofMillis(Long.parseLong(ms.strip())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(TIME_ENV + "=" + ms + " is not a positive number of milliseconds; "
                        + "unset it for the default " + DEFAULT.time().toMillis() + " ms", e);
            }
        }
    }

    /** One daemon thread halts sessions over their time budget, for every gate in the JVM. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "policy-watchdog");
            t.setDaemon(true);
            return t;
        });
        w.setRemoveOnCancelPolicy(true); // cancelled deadlines (the normal case) leave the queue at once
        return w;
    }

    /** Fewer changes than this are checked on one session: a lane's session costs more than it would save. */
    static final int MIN_CHANGES_TO_SPLIT = 64;

    /** Threads of the split checks beyond the caller's, shared by every gate in the JVM; idle ones end after a minute. */
    private static final ExecutorService LANES = lanes();

    private static ExecutorService lanes() {
        ThreadPoolExecutor e = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "policy-lane");
            t.setDaemon(true);
            return t;
        });
        return e;
    }

    private final PolicyRepository repository;
    private final PriceBook prices;
    private final Budget budget;
    private final int threads;

    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices) {
        this(repository, prices, Budget.DEFAULT);
    }

    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices, Budget budget) {
        this(repository, prices, budget, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param threads at most this many threads check a pool's teams at once when the rules are team-local
     *                ({@link PolicyRuleSet#teamLocal()}); 1: every change on one session in input order
     */
    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices, Budget budget, int threads) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.prices = Objects.requireNonNull(prices, "prices");
        this.budget = Objects.requireNonNull(budget, "budget");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
    }

    /** The same rules, prices and budget on at most {@code threads} threads (1: the sequential check). */
    public DroolsPolicyGate withThreads(int threads) {
        return new DroolsPolicyGate(repository, prices, budget, threads);
    }

    public Budget budget() {
        return budget;
    }

    public PolicyRepository repository() {
        return repository;
    }

    @Override
    public List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes) {
        return check(context, changes, PolicyFacts.NONE);
    }

    @Override
    public List<PolicyDecision> check(PolicyContext context, List<ProposedChange> changes, PolicyFacts facts) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(changes, "changes");
        Objects.requireNonNull(facts, "facts");
        repository.refresh();
        PolicyRuleSet rules = repository.current();
        Map<String, List<Integer>> byTeam = byTeam(changes);
        int lanes = lanes(rules, changes.size(), byTeam.size());
        return lanes < 2 ? sequential(rules, context, facts, changes)
                : split(rules, context, facts, changes, new ArrayList<>(byTeam.values()), lanes);
    }

    /** Each team's changes (their indices, in input order), teams in order of first appearance. */
    static Map<String, List<Integer>> byTeam(List<ProposedChange> changes) {
        Map<String, List<Integer>> byTeam = new LinkedHashMap<>();
        for (int i = 0; i < changes.size(); i++) {
            byTeam.computeIfAbsent(changes.get(i).team(), t -> new ArrayList<>()).add(i);
        }
        return byTeam;
    }

    /**
     * How many sessions check {@code changes} changes of {@code teams} teams at once: 1 (in input order) unless the rules
     * are team-local, there are enough changes to pay for a session per thread, and more than one team.
     */
    int lanes(PolicyRuleSet rules, int changes, int teams) {
        if (changes < MIN_CHANGES_TO_SPLIT || !rules.teamLocal()) {
            return 1;
        }
        return Math.max(1, Math.min(threads, teams));
    }

    /** Every change in input order on one session: what every check did before teams were split, and the reference. */
    private List<PolicyDecision> sequential(PolicyRuleSet rules, PolicyContext context, PolicyFacts facts, List<ProposedChange> changes) {
        Lane lane = new Lane(rules, context, facts);
        try {
            // every team's spend before the first change, in the order a HashMap of the teams gives (as this check
            // always inserted them): a pool-wide rule that collects spends sees them in the same order as before
            Set<String> teams = new HashSet<>();
            for (ProposedChange c : changes) {
                teams.add(c.team());
            }
            for (String t : teams) {
                lane.join(t);
            }
            List<PolicyDecision> out = new ArrayList<>(changes.size());
            for (ProposedChange c : changes) {
                out.add(lane.decide(c));
            }
            return out;
        } finally {
            lane.close();
        }
    }

    /**
     * The teams on {@code lanes} threads (the caller's and lanes - 1 of the gate's pool), each lane with a session of its
     * own (Drools sessions are not thread-safe) that takes whole teams, each team's changes in input order. Exact when
     * the rules are team-local ({@link TeamLocality}): a change then sees the cycle's constant facts, its own team's spend
     * after that team's earlier changes, and nothing else, as in the one-session check; the decisions go back in input order.
     */
    private List<PolicyDecision> split(PolicyRuleSet rules, PolicyContext context, PolicyFacts facts, List<ProposedChange> changes,
                                       List<List<Integer>> teams, int lanes) {
        // the largest teams first, so no lane is left with a big team at the end while the others idle
        teams.sort((a, b) -> Integer.compare(b.size(), a.size()));
        PolicyDecision[] out = new PolicyDecision[changes.size()];
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            Lane lane = new Lane(rules, context, facts);
            try {
                for (int k; (k = next.getAndIncrement()) < teams.size(); ) {
                    List<Integer> team = teams.get(k);
                    lane.join(changes.get(team.get(0)).team());
                    for (int i : team) {
                        out[i] = lane.decide(changes.get(i));
                    }
                }
            } finally {
                lane.close();
            }
        };
        List<Future<?>> others = new ArrayList<>(lanes - 1);
        for (int l = 1; l < lanes; l++) {
            others.add(LANES.submit(work));
        }
        Throwable failed = null;
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            failed = e;
            next.set(teams.size()); // the other lanes take no further team
        }
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = failed != null ? failed : e;
            } catch (java.util.concurrent.ExecutionException e) {
                failed = failed != null ? failed : e.getCause();
            }
        }
        if (failed instanceof RuntimeException r) {
            throw r;
        }
        if (failed instanceof Error e) {
            throw e;
        }
        if (failed != null) {
            throw new IllegalStateException("policy check interrupted", failed);
        }
        return Arrays.asList(out);
    }

    /**
     * One session deciding changes one at a time: the cycle's shared facts, the spend of the teams it has joined (an
     * applied change is added to its team's spend, so that team's later changes see the budget already taken), its
     * watchdog. A session a rule broke or the watchdog halted is replaced by a new one with the same facts and spend.
     */
    private final class Lane {
        final PolicyRuleSet rules;
        final PolicyContext context;
        final PolicyFacts facts;
        final Map<String, TeamSpend> spend = new LinkedHashMap<>();
        final Firings firings = new Firings();
        final Deadline deadline = new Deadline(budget.time().toNanos());
        final ScheduledFuture<?> dog;
        Session s;

        Lane(PolicyRuleSet rules, PolicyContext context, PolicyFacts facts) {
            this.rules = rules;
            this.context = context;
            this.facts = facts;
            this.s = new Session(rules, context, facts, spend, firings);
            // one watchdog task per lane, looking at the change being decided a few times per budget: a task per change
            // woke the watchdog thread once per change (10,000 wake-ups for a 10,000-user pool on a loaded machine)
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(budget.time().toNanos() / 4, TimeUnit.MILLISECONDS.toNanos(250)));
            this.dog = WATCHDOG.scheduleAtFixedRate(deadline::haltIfOver, period, period, TimeUnit.NANOSECONDS);
        }

        /** Puts the team's spend (what it runs at and has spent today) in this lane's session, once. */
        void join(String team) {
            if (!spend.containsKey(team)) {
                TeamSpend t = new TeamSpend(team, context.teamCostPerHour().getOrDefault(team, 0.0),
                        facts.teamCostToday().getOrDefault(team, 0.0));
                spend.put(team, t);
                s.spendHandles.put(team, s.session.insert(t));
            }
        }

        PolicyDecision decide(ProposedChange c) {
            PolicyChange pc = new PolicyChange(c, prices);
            firings.reset();
            KieSession session = s.session;
            long start = System.nanoTime();
            PolicyDecision d;
            boolean rebuild = false;
            try {
                deadline.arm(session, start);
                FactHandle h = session.insert(pc);
                int n = session.fireAllRules(budget.maxFirings());
                boolean watchdogRan = deadline.disarm();
                long elapsed = System.nanoTime() - start;
                if (watchdogRan || elapsed > budget.time().toNanos()) {
                    d = safeDefault(c, firings.fired, "rules took " + elapsed / 1_000_000 + " ms, over the time budget of "
                            + budget.time().toMillis() + " ms per change, after " + n + " firing(s) (" + running(firings) + ")");
                    rebuild = true; // a halted session is not reused
                } else if (n >= budget.maxFirings() && !pc.isDecided()) {
                    d = safeDefault(c, firings.fired, "rules fired " + n + " times without a verdict (rules re-activate each other: "
                            + String.join(", ", firings.fired.subList(Math.max(0, firings.fired.size() - 4), firings.fired.size())) + ")");
                } else if (!pc.isDecided()) {
                    d = safeDefault(c, firings.fired, "no rule decided this change");
                } else {
                    // a denied change keeps what runs now: no cost change, whatever market it runs on
                    double delta = pc.getOutcome() == DecisionOutcome.DENIED ? 0.0 : pc.getCostDeltaPerHour();
                    d = new PolicyDecision(c.user(), pc.getOutcome(), pc.getAllowed(), pc.isSpot(), firings.fired,
                            pc.getMessages(), delta);
                }
                if (!rebuild) {
                    session.delete(h);
                }
            } catch (RuntimeException e) {
                deadline.disarm();
                String rule = failedRule(e, firings);
                List<String> fired = new ArrayList<>(firings.fired);
                if (!fired.contains(rule)) {
                    fired.add(rule);
                }
                d = safeDefault(c, fired, "rule '" + rule + "' failed: " + rootMessage(e));
                rebuild = true; // its state is unknown after a failure
            }
            if (rebuild) {
                s.session.dispose();
                s = new Session(rules, context, facts, spend, firings);
            }
            if (d.applies()) {
                s.spend(c.team(), d.costDeltaPerHour());
            }
            return d;
        }

        void close() {
            dog.cancel(false);
            s.session.dispose();
        }
    }

    /**
     * The change being decided: its session and start. The watchdog halts the session once the change has run past the
     * budget; arm, disarm and the watchdog's look hold the lock, so a halted change is always seen as halted and its
     * session, the only one the watchdog can halt, is never reused.
     */
    private static final class Deadline {
        private final long budgetNanos;
        private KieSession session;
        private long start;
        private boolean armed;
        private boolean halted;

        Deadline(long budgetNanos) {
            this.budgetNanos = budgetNanos;
        }

        synchronized void arm(KieSession session, long start) {
            this.session = session;
            this.start = start;
            this.armed = true;
            this.halted = false;
        }

        /** Whether the watchdog halted the change since it was armed. */
        synchronized boolean disarm() {
            armed = false;
            session = null;
            return halted;
        }

        void haltIfOver() {
            KieSession over;
            synchronized (this) {
                if (!armed || halted || System.nanoTime() - start <= budgetNanos) {
                    return;
                }
                halted = true; // the checking thread sees it at disarm and does not reuse this session
                over = session;
            }
            try {
                over.halt();
            } catch (RuntimeException ignored) {
                // the session was disposed meanwhile: nothing left to stop
            }
        }
    }

    private PolicyDecision safeDefault(ProposedChange c, List<String> fired, String why) {
        return new PolicyDecision(c.user(), DecisionOutcome.DENIED, c.current(), false, fired,
                List.of(why + "; keeping the current allocation"), 0.0);
    }

    /** The rules a halted session was busy with: the one firing, else the last few that fired. */
    private static String running(Firings f) {
        if (f.firing != null) {
            return "rule '" + f.firing + "' was running";
        }
        if (f.fired.isEmpty()) {
            return "no rule had fired: a condition is slow";
        }
        List<String> last = new ArrayList<>(new LinkedHashSet<>(f.fired.subList(Math.max(0, f.fired.size() - 20), f.fired.size())));
        return "last rules fired: " + String.join(", ", last);
    }

    private static String failedRule(RuntimeException e, Firings f) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConsequenceException ce && ce.getMatch() != null) {
                return ce.getMatch().getRule().getName();
            }
        }
        return f.firing != null ? f.firing : "(condition of an unknown rule)";
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Records rule names as they fire. */
    static final class Firings extends DefaultAgendaEventListener {
        final List<String> fired = new ArrayList<>();
        String firing;

        void reset() {
            fired.clear();
            firing = null;
        }

        @Override
        public void beforeMatchFired(BeforeMatchFiredEvent event) {
            firing = event.getMatch().getRule().getName();
        }

        @Override
        public void afterMatchFired(AfterMatchFiredEvent event) {
            fired.add(event.getMatch().getRule().getName());
            firing = null;
        }
    }

    /** A session with the cycle's shared facts inserted. */
    private static final class Session {
        final KieSession session;
        final Map<String, FactHandle> spendHandles = new HashMap<>();
        final Map<String, TeamSpend> spend;

        Session(PolicyRuleSet rules, PolicyContext ctx, PolicyFacts facts, Map<String, TeamSpend> spend, Firings firings) {
            this.spend = spend;
            session = rules.kieBase().newKieSession();
            session.addEventListener(firings);
            session.insert(rules.thresholds());
            session.insert(new CycleFacts(ctx.pool(), ctx.at(), ctx.operatorFreeze()));
            for (String u : facts.anomalousUsers()) {
                session.insert(new AnomalyFlag(u));
            }
            for (TeamSpend t : spend.values()) {
                spendHandles.put(t.getTeam(), session.insert(t));
            }
        }

        void spend(String team, double delta) {
            TeamSpend t = spend.get(team);
            t.add(delta);
            session.update(spendHandles.get(team), t);
        }
    }
}
