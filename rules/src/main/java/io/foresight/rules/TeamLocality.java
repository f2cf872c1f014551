package io.foresight.rules;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.AttributeDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.CollectDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.OrDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * Whether a rule set decides each team's changes independently of the other teams' changes, so that the gate may check
 * the teams of a pool on several threads and get exactly the decisions of the one-at-a-time check.
 *
 * <p>What one change's decision can depend on in the sequential check: the facts that stay the same for the whole check
 * (thresholds, cycle facts, anomaly flags: every session holds all of them, so a rule may read them pool-wide), the
 * change itself, and what earlier changes left in the session. The gate adds an applied change to its team's
 * {@code TeamSpend}, and that is the only thing it carries from one change to the next. So the teams are independent if
 * every rule
 * <ul>
 *   <li>matches a {@code PolicyChange} at its top level (a rule on the pool's facts alone would fire once per session,
 *       for whichever change is being decided first);</li>
 *   <li>reads a {@code TeamSpend} only through a pattern that pins it to the change's team ({@code team == $c.team} on the
 *       TeamSpend pattern, {@code $c} a top-level PolicyChange binding), wherever the pattern is (not, exists, forall,
 *       accumulate, collect): a sum over all teams, or a named other team, reads what other teams' changes spent;</li>
 *   <li>neither inserts nor deletes facts (they would outlive the change and be seen by the next one) and updates only
 *       the change;</li>
 *   <li>sets no attribute beyond salience, no-loop, enabled and dialect (agenda groups, auto-focus, lock-on-active,
 *       activation and ruleflow groups keep agenda state this check does not follow from one change to the next).</li>
 * </ul>
 * The check is conservative: a rule it cannot show to be team-local (an {@code or} at its top level, the team constraint
 * written on the PolicyChange side) makes the whole set sequential; it never splits a set it is unsure of.
 */
public final class TeamLocality {
    /** Rule attributes whose effect ends with the change being decided. */
    static final Set<String> PER_CHANGE_ATTRIBUTES = Set.of("salience", "no-loop", "enabled", "dialect");
    private static final Set<String> INSERT_OR_DELETE = Set.of("insert", "insertLogical", "delete", "retract");

    private TeamLocality() {
    }

    /**
     * The rules that read or change state shared across teams, each with the reason ("rule \"X\" (file): why"); empty if
     * every rule of {@code drls} (file name to DRL text) decides a change from its own team's state alone.
     */
    public static List<String> poolWide(Map<String, String> drls) {
        List<String> out = new ArrayList<>();
        for (var e : drls.entrySet()) {
            DrlParser parser = new DrlParser();
            PackageDescr pkg;
            try {
                pkg = parser.parse(false, e.getValue());
            } catch (DroolsParserException ex) {
                pkg = null;
            }
            if (pkg == null || parser.hasErrors()) {
                out.add(e.getKey() + ": not parsed, so not shown to be team-local");
                continue;
            }
            for (AttributeDescr a : pkg.getAttributes()) {
                if (!PER_CHANGE_ATTRIBUTES.contains(a.getName())) {
                    out.add(e.getKey() + ": package attribute '" + a.getName() + "' keeps agenda state across changes");
                }
            }
            for (RuleDescr r : pkg.getRules()) {
                if (!r.isQuery()) {
                    String why = why(r);
                    if (why != null) {
                        out.add("rule \"" + r.getName() + "\" (" + e.getKey() + "): " + why);
                    }
                }
            }
        }
        return out;
    }

    /** Why {@code r} is not team-local, or null if it is. */
    static String why(RuleDescr r) {
        for (AttributeDescr a : r.getAttributes().values()) {
            if (!PER_CHANGE_ATTRIBUTES.contains(a.getName())) {
                return "attribute '" + a.getName() + "' keeps agenda state across changes";
            }
        }
        AndDescr lhs = r.getLhs();
        Set<String> changes = new HashSet<>();
        boolean matchesChange = false;
        for (BaseDescr d : lhs.getDescrs()) {
            if (d instanceof OrDescr) {
                return "an 'or' at the top of its condition (not analysed: split it into rules)";
            }
            if (d instanceof PatternDescr p && p.getSource() == null && isType(p.getObjectType(), "PolicyChange")) {
                matchesChange = true;
                if (p.getIdentifier() != null) {
                    changes.add(p.getIdentifier());
                }
            }
        }
        if (!matchesChange) {
            return "it matches no PolicyChange at its top level, so it can fire on the pool's facts for whichever change comes first";
        }
        String spend = unpinnedSpend(lhs, changes);
        if (spend != null) {
            return spend;
        }
        if (r.getConsequence() instanceof String code) {
            return consequence(code, changes);
        }
        return null;
    }

    private static boolean isType(String name, String simple) {
        return name != null && (name.equals(simple) || name.endsWith("." + simple));
    }

    /** The first TeamSpend pattern anywhere in {@code d} that is not pinned to the change's team, described; else null. */
    private static String unpinnedSpend(BaseDescr d, Set<String> changes) {
        if (d instanceof PatternDescr p) {
            if (isType(p.getObjectType(), "TeamSpend") && !pinned(p, changes)) {
                return "it reads TeamSpend(" + p.getDescrs().stream().map(BaseDescr::getText).toList()
                        + ") without 'team == $c.team' (the change's team), so it sees what other teams' changes spent";
            }
            // an accumulate's or collect's input is not always among its descrs (the parser keeps a single input apart)
            List<BaseDescr> inner = new ArrayList<>();
            if (p.getSource() instanceof AccumulateDescr a) {
                inner.addAll(a.getDescrs());
                if (a.getInput() != null) {
                    inner.add(a.getInput());
                }
            } else if (p.getSource() instanceof CollectDescr c) {
                inner.addAll(c.getDescrs());
                if (c.getInputPattern() != null) {
                    inner.add(c.getInputPattern());
                }
            } else if (p.getSource() != null && !(p.getSource() instanceof org.drools.drl.ast.descr.FromDescr)) {
                return "a pattern source " + p.getSource().getClass().getSimpleName() + " (not analysed)";
            }
            for (BaseDescr i : inner) {
                String why = unpinnedSpend(i, changes);
                if (why != null) {
                    return why;
                }
            }
        } else if (d instanceof ConditionalElementDescr ce) {
            for (Object o : ce.getDescrs()) {
                String why = unpinnedSpend((BaseDescr) o, changes);
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    /** Whether one of the pattern's constraints (or one conjunct of it) is {@code team == $c.team} for a change binding. */
    private static boolean pinned(PatternDescr p, Set<String> changes) {
        for (BaseDescr c : p.getDescrs()) {
            if (c instanceof ExprConstraintDescr e) {
                ParseResult<Expression> r = PARSER.get().parseExpression(PolicyLinter.unbound(e.getExpression()));
                if (r.isSuccessful() && r.getResult().isPresent() && pins(r.getResult().get(), changes)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean pins(Expression e, Set<String> changes) {
        e = unwrap(e);
        if (e instanceof BinaryExpr b && b.getOperator() == BinaryExpr.Operator.AND) {
            return pins(b.getLeft(), changes) || pins(b.getRight(), changes);
        }
        if (e instanceof BinaryExpr b && b.getOperator() == BinaryExpr.Operator.EQUALS) {
            return ownTeam(b.getLeft()) && changeTeam(b.getRight(), changes)
                    || ownTeam(b.getRight()) && changeTeam(b.getLeft(), changes);
        }
        if (e instanceof MethodCallExpr m && m.getNameAsString().equals("equals") && m.getArguments().size() == 1
                && m.getScope().isPresent()) {
            Expression s = m.getScope().get();
            Expression a = m.getArgument(0);
            return ownTeam(s) && changeTeam(a, changes) || ownTeam(a) && changeTeam(s, changes);
        }
        return false;
    }

    private static Expression unwrap(Expression e) {
        while (e instanceof EnclosedExpr en) {
            e = en.getInner();
        }
        return e;
    }

    /** {@code team}, {@code getTeam()}, {@code this.team} or {@code this.getTeam()}: the TeamSpend's own team. */
    private static boolean ownTeam(Expression e) {
        e = unwrap(e);
        if (e instanceof NameExpr n) {
            return n.getNameAsString().equals("team");
        }
        if (e instanceof FieldAccessExpr f) {
            return f.getScope() instanceof ThisExpr && f.getNameAsString().equals("team");
        }
        if (e instanceof MethodCallExpr m) {
            return m.getNameAsString().equals("getTeam") && m.getArguments().isEmpty()
                    && (m.getScope().isEmpty() || m.getScope().get() instanceof ThisExpr);
        }
        return false;
    }

    /** {@code $c.team} or {@code $c.getTeam()} for a binding of the decided change. */
    private static boolean changeTeam(Expression e, Set<String> changes) {
        e = unwrap(e);
        if (e instanceof FieldAccessExpr f) {
            return f.getNameAsString().equals("team") && unwrap(f.getScope()) instanceof NameExpr n
                    && changes.contains(n.getNameAsString());
        }
        if (e instanceof MethodCallExpr m) {
            return m.getNameAsString().equals("getTeam") && m.getArguments().isEmpty() && m.getScope().isPresent()
                    && unwrap(m.getScope().get()) instanceof NameExpr n && changes.contains(n.getNameAsString());
        }
        return false;
    }

    /** Why a consequence reaches beyond the change (inserts, deletes, updates another fact), or null. */
    private static String consequence(String code, Set<String> changes) {
        ParseResult<BlockStmt> r = PARSER.get().parseBlock("{" + PolicyLinter.rewriteModify(code) + "\n}");
        if (!r.isSuccessful() || r.getResult().isEmpty()) {
            return "its consequence could not be parsed, so it is not shown to touch only the change";
        }
        for (MethodCallExpr m : r.getResult().get().findAll(MethodCallExpr.class)) {
            if (m.getScope().isPresent()) {
                continue;
            }
            String name = m.getNameAsString();
            if (INSERT_OR_DELETE.contains(name)) {
                return "its consequence calls " + name + "(...): facts it inserts or deletes outlive the change";
            }
            if (name.equals("update") && !(m.getArguments().size() == 1 && unwrap(m.getArgument(0)) instanceof NameExpr n
                    && changes.contains(n.getNameAsString()))) {
                return "its consequence updates " + m.getArguments() + ", a fact other than the change";
            }
        }
        return null;
    }

    /** JavaParser is not thread-safe; rule sets are built on whichever thread refreshes a repository. */
    private static final ThreadLocal<JavaParser> PARSER = ThreadLocal.withInitial(() -> new JavaParser(
            new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17)));
}
