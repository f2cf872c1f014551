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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.BeforeMatchFiredEvent;
import org.kie.api.event.rule.DefaultAgendaEventListener;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.ConsequenceException;
import org.kie.api.runtime.rule.FactHandle;

/**
 * The policy gate backed by Drools rules from a {@link PolicyRepository}. One session per check holds
 * the cycle's facts (thresholds, time, team spend, anomaly flags); changes are decided one at a time
 * in input order, so team budgets are consumed deterministically. Every decision records the rules
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

    private final PolicyRepository repository;
    private final PriceBook prices;
    private final Budget budget;

    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices) {
        this(repository, prices, Budget.DEFAULT);
    }

    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices, Budget budget) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.prices = Objects.requireNonNull(prices, "prices");
        this.budget = Objects.requireNonNull(budget, "budget");
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
        Map<String, TeamSpend> spend = new HashMap<>();
        for (ProposedChange c : changes) {
            spend.computeIfAbsent(c.team(), t -> new TeamSpend(t, context.teamCostPerHour().getOrDefault(t, 0.0),
                    facts.teamCostToday().getOrDefault(t, 0.0)));
        }
        Firings firings = new Firings();
        Session s = new Session(rules, context, facts, spend, firings);
        List<PolicyDecision> out = new ArrayList<>(changes.size());
        Deadline deadline = new Deadline(budget.time().toNanos());
        // one watchdog task per check, looking at the change being decided a few times per budget: a task per change
        // woke the watchdog thread once per change (10,000 wake-ups for a 10,000-user pool on a loaded machine)
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(budget.time().toNanos() / 4, TimeUnit.MILLISECONDS.toNanos(250)));
        ScheduledFuture<?> dog = WATCHDOG.scheduleAtFixedRate(deadline::haltIfOver, period, period, TimeUnit.NANOSECONDS);
        try {
            for (ProposedChange c : changes) {
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
                out.add(d);
            }
        } finally {
            dog.cancel(false);
            s.session.dispose();
        }
        return out;
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
