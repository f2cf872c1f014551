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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 */
public final class DroolsPolicyGate implements PolicyGate {
    /** Upper bound on rule firings per change; more means rules re-activate each other endlessly. */
    static final int MAX_FIRINGS_PER_CHANGE = 200;

    private final PolicyRepository repository;
    private final PriceBook prices;

    public DroolsPolicyGate(PolicyRepository repository, PriceBook prices) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.prices = Objects.requireNonNull(prices, "prices");
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
        try {
            for (ProposedChange c : changes) {
                PolicyChange pc = new PolicyChange(c, prices);
                firings.reset();
                FactHandle h = s.session.insert(pc);
                PolicyDecision d;
                try {
                    int n = s.session.fireAllRules(MAX_FIRINGS_PER_CHANGE);
                    if (n >= MAX_FIRINGS_PER_CHANGE && !pc.isDecided()) {
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
                    s.session.delete(h);
                } catch (RuntimeException e) {
                    String rule = failedRule(e, firings);
                    List<String> fired = new ArrayList<>(firings.fired);
                    if (!fired.contains(rule)) {
                        fired.add(rule);
                    }
                    d = safeDefault(c, fired, "rule '" + rule + "' failed: " + rootMessage(e));
                    s.session.dispose(); // its state is unknown after a failure
                    s = new Session(rules, context, facts, spend, firings);
                }
                if (d.applies()) {
                    s.spend(c.team(), d.costDeltaPerHour());
                }
                out.add(d);
            }
        } finally {
            s.session.dispose();
        }
        return out;
    }

    private PolicyDecision safeDefault(ProposedChange c, List<String> fired, String why) {
        return new PolicyDecision(c.user(), DecisionOutcome.DENIED, c.current(), false, fired,
                List.of(why + "; keeping the current allocation"), 0.0);
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
