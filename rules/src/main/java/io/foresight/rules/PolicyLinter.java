package io.foresight.rules;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.ArrayAccessExpr;
import com.github.javaparser.ast.expr.ArrayCreationExpr;
import com.github.javaparser.ast.expr.ArrayInitializerExpr;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.ConditionalExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LiteralExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.EmptyStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.type.ArrayType;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.PrimitiveType;
import com.github.javaparser.ast.type.Type;
import com.github.javaparser.ast.type.VarType;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.rules.policy.AnomalyFlag;
import io.foresight.rules.policy.CycleFacts;
import io.foresight.rules.policy.Fixed;
import io.foresight.rules.policy.PolicyChange;
import io.foresight.rules.policy.PolicyThresholds;
import io.foresight.rules.policy.TeamSpend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AndDescr;
import org.drools.drl.ast.descr.AttributeDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.CollectDescr;
import org.drools.drl.ast.descr.EvalDescr;
import org.drools.drl.ast.descr.ExistsDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.ForallDescr;
import org.drools.drl.ast.descr.FromDescr;
import org.drools.drl.ast.descr.ImportDescr;
import org.drools.drl.ast.descr.NotDescr;
import org.drools.drl.ast.descr.OrDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.PatternSourceDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * Keeps policy files data, not code. A DRL file may only match the policy facts, compare their
 * properties and call the fact methods the bundled rules use; everything else a rule could reach
 * (imports, globals, functions, type declarations, constructors, static calls outside
 * {@code java.lang.Math} and a few formatting helpers, loops, reflection, {@code drools}/{@code kcontext})
 * is rejected with file and line before the rules are compiled. The check is an allow-list: what it
 * cannot understand it refuses.
 *
 * <p>DRL structure is read with Drools' own parser ({@link DrlParser}: rules, patterns, constraints,
 * evals, consequences); constraint, eval and consequence text is parsed as Java (JavaParser, Java 17)
 * and every name, call, constructor and statement is checked against the allow-list. Types are
 * followed through calls by reflection on the allowed classes, so {@code $c.getUser().length()} is
 * checked against {@code String} and {@code $c.getClass()} is refused.
 */
public final class PolicyLinter {
    /** Fact types a rule may match and whose methods it may call (instance and static). */
    static final List<Class<?>> FACT_TYPES = List.of(PolicyChange.class, PolicyThresholds.class, CycleFacts.class,
            TeamSpend.class, AnomalyFlag.class);
    /** Core value types the facts hand out; rules may call their public methods and import them. */
    static final List<Class<?>> CORE_TYPES = List.of(ResourceVector.class, Resource.class, Tier.class, Pattern.class,
            DecisionOutcome.class, PolicyThresholds.FreezeWindow.class);
    /** Plain JDK value types that facts return; their instance methods are side-effect free. */
    static final List<Class<?>> VALUE_TYPES = List.of(String.class, Double.class, Integer.class, Long.class, Boolean.class,
            Number.class, Instant.class, Object.class);
    /** Static members of JDK classes a rule may use, by class; "*" means every public static member. */
    static final Map<Class<?>, Set<String>> STATIC_ALLOWED = Map.of(
            Math.class, Set.of("*"),
            String.class, Set.of("format", "valueOf", "join"),
            Double.class, Set.of("isNaN", "isFinite", "isInfinite", "compare", "POSITIVE_INFINITY", "NEGATIVE_INFINITY",
                    "MAX_VALUE", "MIN_VALUE", "NaN"),
            Integer.class, Set.of("MAX_VALUE", "MIN_VALUE", "compare"),
            Long.class, Set.of("MAX_VALUE", "MIN_VALUE", "compare"),
            Locale.class, Set.of("ROOT"),
            Instant.class, Set.of("ofEpochSecond"),
            Fixed.class, Set.of("places"));
    /** Methods of the gate's bookkeeping that rules must not call, and Object's machinery. */
    static final Set<String> NEVER = Set.of("getClass", "wait", "notify", "notifyAll", "finalize", "clone", "add",
            "describeConstable", "resolveConstantDesc", "getDeclaringClass");
    /** Drools' consequence helpers (called without a receiver). */
    static final Set<String> MACROS = Set.of("update", "insert", "insertLogical", "delete", "retract");
    /** Rule attributes a policy may set; the others (timer, calendars, date-effective, ...) are refused. */
    static final Set<String> ATTRIBUTES = Set.of("salience", "no-loop", "lock-on-active", "activation-group", "agenda-group",
            "ruleflow-group", "auto-focus", "enabled", "dialect");
    /** Built-in accumulate functions (no inline code). */
    static final Set<String> ACCUMULATE_FUNCTIONS = Set.of("count", "sum", "min", "max", "average", "collectList", "collectSet");
    static final String WHAT_IS_ALLOWED = "policy rules may only use the facts of io.foresight.rules.policy, "
            + "io.foresight.core.model types and java.lang.Math";

    /** Marker type for a name that denotes a class (for static access), not a value. */
    private record ClassRef(Class<?> type) {
    }

    private static final Map<String, Class<?>> SIMPLE_NAMES = new HashMap<>();
    private static final Map<String, Class<?>> QUALIFIED_NAMES = new HashMap<>();
    private static final Set<Class<?>> INSTANCE_ALLOWED = new HashSet<>();

    static {
        for (Class<?> c : FACT_TYPES) {
            SIMPLE_NAMES.put(c.getSimpleName(), c);
            QUALIFIED_NAMES.put(c.getName(), c);
            INSTANCE_ALLOWED.add(c);
        }
        for (Class<?> c : CORE_TYPES) {
            QUALIFIED_NAMES.put(c.getCanonicalName(), c);
            INSTANCE_ALLOWED.add(c);
        }
        for (Class<?> c : VALUE_TYPES) {
            INSTANCE_ALLOWED.add(c);
        }
        for (Class<?> c : List.of(Math.class, String.class, Double.class, Integer.class, Long.class, Boolean.class, Number.class,
                Fixed.class)) {
            SIMPLE_NAMES.put(c.getSimpleName(), c);
            QUALIFIED_NAMES.put(c.getName(), c);
        }
        QUALIFIED_NAMES.put(Locale.class.getName(), Locale.class);
        QUALIFIED_NAMES.put(Instant.class.getName(), Instant.class);
    }

    private static JavaParser java() {
        return new JavaParser(new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17));
    }

    private PolicyLinter() {
    }

    /**
     * Checks every file; returns the problems (empty if all files are acceptable). A file Drools cannot
     * parse is left to the compiler, which reports its syntax errors with line numbers.
     */
    public static List<RuleProblem> lint(Map<String, String> drls) {
        List<RuleProblem> out = new ArrayList<>();
        for (var e : drls.entrySet()) {
            out.addAll(lintFile(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** Checks one DRL file. */
    public static List<RuleProblem> lintFile(String file, String drl) {
        // The Java compiler decodes \\uXXXX escapes before it reads anything, even inside comments and strings
        // ("// \\u000a code" is code to it), while the DRL parser and JavaParser do not: refuse them all.
        Matcher esc = UNICODE_ESCAPE.matcher(drl);
        if (esc.find()) {
            FileLint f = new FileLint(file, drl);
            return List.of(new RuleProblem(file, f.lineAt(esc.start()), "unicode escapes (" + esc.group()
                    + ") are not allowed in policy files: write the character itself"));
        }
        DrlParser parser = new DrlParser();
        PackageDescr pkg;
        try {
            pkg = parser.parse(false, drl);
        } catch (DroolsParserException e) {
            return List.of();
        }
        if (pkg == null || parser.hasErrors()) {
            return List.of(); // syntax errors: the compiler reports them with lines
        }
        FileLint f = new FileLint(file, drl);
        f.lint(pkg);
        return f.problems;
    }

    /** Lints one file; collects its problems. */
    private static final class FileLint {
        final String file;
        final String text;
        final List<RuleProblem> problems = new ArrayList<>();
        final Map<String, Class<?>> imported = new HashMap<>();
        final JavaParser javaParser = java();

        FileLint(String file, String text) {
            this.file = file;
            this.text = text;
        }

        void problem(int line, String message) {
            problems.add(new RuleProblem(file, Math.max(line, 0), message));
        }

        void lint(PackageDescr pkg) {
            for (ImportDescr i : pkg.getImports()) {
                String target = i.getTarget().strip();
                if (target.equals("io.foresight.rules.policy.*")) {
                    continue;
                }
                Class<?> c = QUALIFIED_NAMES.get(target);
                if (c == null || (!FACT_TYPES.contains(c) && !CORE_TYPES.contains(c) && c != Math.class)) {
                    problem(i.getLine(), "import " + target + " is not allowed: " + WHAT_IS_ALLOWED);
                } else {
                    imported.put(c.getSimpleName(), c);
                }
            }
            pkg.getFunctionImports().forEach(d -> problem(d.getLine(), "import function " + d.getTarget()
                    + " is not allowed: rules cannot call functions"));
            pkg.getAccumulateImports().forEach(d -> problem(d.getLine(), "import accumulate " + d.getTarget()
                    + " is not allowed: use the built-in accumulate functions " + ACCUMULATE_FUNCTIONS));
            pkg.getGlobals().forEach(g -> problem(g.getLine(), "global " + g.getIdentifier()
                    + " is not allowed: rules see only the facts the gate inserts"));
            pkg.getFunctions().forEach(fn -> problem(fn.getLine(), "function " + fn.getName()
                    + " is not allowed: a policy file is data, not code"));
            pkg.getClassAndEnumDeclarationDescrs().forEach(d -> problem(d.getLine(), "declare " + d.getTypeName()
                    + " is not allowed: rules use the fact types of io.foresight.rules.policy"));
            if (pkg.getUnit() != null) {
                problem(pkg.getUnit().getLine(), "unit " + pkg.getUnit().getTarget() + " is not allowed: rules see only the facts the gate inserts");
            }
            pkg.getEntryPointDeclarations().forEach(d -> problem(d.getLine(), "entry point declarations are not allowed"));
            pkg.getWindowDeclarations().forEach(d -> problem(d.getLine(), "window declarations are not allowed"));
            for (AttributeDescr a : pkg.getAttributes()) {
                attribute("package", a);
            }
            for (RuleDescr r : pkg.getRules()) {
                rule(r);
            }
        }

        void attribute(String where, AttributeDescr a) {
            String name = a.getName();
            String value = a.getValue() == null ? "" : a.getValue().strip();
            if (!ATTRIBUTES.contains(name)) {
                problem(a.getLine(), where + ": attribute '" + name + "' is not allowed (allowed: " + ATTRIBUTES + ")");
            } else if (name.equals("salience") && !value.matches("[-+]?\\d+")) {
                problem(a.getLine(), where + ": salience must be a whole number, not an expression (" + value + ")");
            } else if (name.equals("enabled") && !value.matches("true|false")) {
                problem(a.getLine(), where + ": enabled must be true or false, not an expression (" + value + ")");
            } else if (name.equals("dialect") && !value.replace("\"", "").equals("java")) {
                problem(a.getLine(), where + ": dialect " + value + " is not allowed: policy rules are written in the java dialect");
            }
        }

        void rule(RuleDescr r) {
            String where = (r.isQuery() ? "query \"" : "rule \"") + r.getName() + "\"";
            for (AttributeDescr a : r.getAttributes().values()) {
                attribute(where, a);
            }
            Scope scope = new Scope(where);
            collectBindings(r.getLhs(), scope);
            lhs(r.getLhs(), scope);
            if (!r.getNamedConsequences().isEmpty()) {
                problem(r.getConsequenceLine(), where + ": named consequences (then[...]/do[...]) are not allowed");
            }
            if (r.getConsequence() instanceof String s && !s.isBlank()) {
                consequence(s, lineOfConsequence(r, s), scope);
            } else if (r.getConsequence() != null && !(r.getConsequence() instanceof String)) {
                problem(r.getConsequenceLine(), where + ": consequence is not Java text");
            }
        }

        /** Line in the file where the consequence text starts (the parser gives the line of 'then'). */
        int lineOfConsequence(RuleDescr r, String consequence) {
            int thenLine = Math.max(1, r.getConsequenceLine());
            int from = offsetOfLine(thenLine);
            String probe = consequence.strip();
            int at = probe.isEmpty() ? -1 : text.indexOf(probe.substring(0, Math.min(40, probe.length())), from);
            if (at < 0) {
                return thenLine + 1;
            }
            // the stripped text starts at 'at'; the parse starts at the first line of the unstripped text
            int leadingNewlines = (int) consequence.substring(0, consequence.indexOf(probe.charAt(0))).chars()
                    .filter(c -> c == '\n').count();
            return lineAt(at) - leadingNewlines;
        }

        int offsetOfLine(int line) {
            int off = 0;
            for (int l = 1; l < line && off >= 0; l++) {
                off = text.indexOf('\n', off) + 1;
                if (off == 0) {
                    return text.length();
                }
            }
            return off;
        }

        int lineAt(int offset) {
            int line = 1;
            for (int i = 0; i < offset && i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }

        void collectBindings(BaseDescr d, Scope scope) {
            if (d instanceof PatternDescr p) {
                Class<?> type = factType(p.getObjectType());
                if (p.getIdentifier() != null && type != null) {
                    scope.vars.put(p.getIdentifier(), type);
                }
                for (BaseDescr c : p.getDescrs()) {
                    if (c instanceof ExprConstraintDescr e) {
                        Matcher m = BINDING.matcher(e.getExpression());
                        if (m.matches() && type != null) {
                            Class<?> t = propertyType(type, m.group(2).strip());
                            scope.vars.put(m.group(1), t == null ? Object.class : t);
                        }
                    }
                }
                if (p.getSource() != null) {
                    for (BaseDescr c : sourceChildren(p.getSource())) {
                        collectBindings(c, scope);
                    }
                }
            } else if (d instanceof org.drools.drl.ast.descr.ConditionalElementDescr ce) {
                for (Object o : ce.getDescrs()) {
                    collectBindings((BaseDescr) o, scope);
                }
            }
        }

        List<BaseDescr> sourceChildren(PatternSourceDescr s) {
            if (s instanceof AccumulateDescr a) {
                return a.getDescrs();
            }
            if (s instanceof CollectDescr c) {
                return c.getDescrs();
            }
            return List.of();
        }

        Class<?> factType(String name) {
            if (name == null) {
                return null;
            }
            Class<?> c = imported.get(name);
            if (c == null) {
                c = SIMPLE_NAMES.get(name);
            }
            if (c == null) {
                c = QUALIFIED_NAMES.get(name);
            }
            return c;
        }

        void lhs(BaseDescr d, Scope scope) {
            if (d instanceof AndDescr || d instanceof OrDescr || d instanceof NotDescr || d instanceof ExistsDescr
                    || d instanceof ForallDescr) {
                for (Object o : ((org.drools.drl.ast.descr.ConditionalElementDescr) d).getDescrs()) {
                    lhs((BaseDescr) o, scope);
                }
            } else if (d instanceof PatternDescr p) {
                pattern(p, scope);
            } else if (d instanceof EvalDescr e) {
                expression(String.valueOf(e.getContent()), e.getLine(), scope, null, "eval");
            } else {
                problem(d.getLine(), scope.where + ": " + d.getClass().getSimpleName().replace("Descr", "")
                        + " is not allowed in a policy rule's condition");
            }
        }

        void pattern(PatternDescr p, Scope scope) {
            Class<?> type = factType(p.getObjectType());
            if (type != null && !FACT_TYPES.contains(type)) {
                type = null;
            }
            PatternSourceDescr source = p.getSource();
            boolean resultPattern = source != null && Set.of("Number", "List", "Set", "Collection", "Object",
                    "java.util.List", "java.util.Set", "java.util.Collection", "java.lang.Number").contains(p.getObjectType());
            if (type == null && !resultPattern) {
                problem(p.getLine(), scope.where + ": " + p.getObjectType() + " is not an allowed fact type (allowed: "
                        + FACT_TYPES.stream().map(Class::getSimpleName).toList() + ")");
            }
            for (BaseDescr c : p.getDescrs()) {
                if (c instanceof ExprConstraintDescr e) {
                    expression(unbound(e.getExpression()), c.getLine(), scope, type, "constraint");
                } else {
                    problem(c.getLine(), scope.where + ": constraint " + c.getText() + " is not allowed");
                }
            }
            if (source == null) {
                return;
            }
            if (source instanceof FromDescr f) {
                expression(f.getExpression(), f.getLine() > 0 ? f.getLine() : p.getLine(), scope, null, "from");
            } else if (source instanceof CollectDescr c) {
                for (BaseDescr in : c.getDescrs()) {
                    lhs(in, scope);
                }
            } else if (source instanceof AccumulateDescr a) {
                if (!a.isExternalFunction() || a.getInitCode() != null || a.getActionCode() != null || a.getResultCode() != null) {
                    problem(a.getLine(), scope.where + ": accumulate with inline code is not allowed; use "
                            + ACCUMULATE_FUNCTIONS);
                }
                for (BaseDescr in : a.getDescrs()) {
                    lhs(in, scope);
                }
                for (var fn : a.getFunctions()) {
                    if (!ACCUMULATE_FUNCTIONS.contains(fn.getFunction())) {
                        problem(a.getLine(), scope.where + ": accumulate function " + fn.getFunction() + " is not allowed; use "
                                + ACCUMULATE_FUNCTIONS);
                    }
                    for (String param : fn.getParams()) {
                        expression(param, a.getLine(), scope, null, "accumulate");
                    }
                    if (fn.getBind() != null) {
                        scope.vars.put(fn.getBind(), Number.class);
                    }
                }
            } else {
                problem(p.getLine(), scope.where + ": pattern source " + source.getClass().getSimpleName().replace("Descr", "")
                        + " is not allowed");
            }
        }

        void expression(String code, int line, Scope scope, Class<?> patternType, String what) {
            ParseResult<Expression> r = javaParser.parseExpression(code);
            if (!r.isSuccessful() || r.getResult().isEmpty()) {
                problem(line, scope.where + ": " + what + " '" + oneLine(code) + "' is not a plain expression the policy linter can check "
                        + "(use ==, !=, <, >, &&, ||, ! and the facts' getters)");
                return;
            }
            new Checker(this, scope, patternType, line).expr(r.getResult().get());
        }

        void consequence(String code, int firstLine, Scope scope) {
            String java = rewriteModify(code);
            ParseResult<BlockStmt> r = javaParser.parseBlock("{" + java + "\n}");
            if (!r.isSuccessful() || r.getResult().isEmpty()) {
                String why = r.getProblems().isEmpty() ? "" : ": " + r.getProblems().get(0).getMessage().lines().findFirst().orElse("");
                problem(firstLine, scope.where + ": consequence is not Java the policy linter can check" + why);
                return;
            }
            Checker c = new Checker(this, scope.copy(), null, firstLine);
            for (Statement s : r.getResult().get().getStatements()) {
                c.stmt(s);
            }
        }
    }

    /** A constraint's expression without its binding or unification ({@code $x : expr}, {@code $x := expr}). */
    static String unbound(String constraint) {
        Matcher m = BINDING.matcher(constraint);
        return m.matches() ? m.group(2) : constraint;
    }

    /** `$x : expr` (binding) or `$x := expr` (unification) in a constraint. */
    private static final java.util.regex.Pattern BINDING =
            java.util.regex.Pattern.compile("^\\s*(\\$?[A-Za-z_][A-Za-z0-9_]*)\\s*:=?\\s*(?!:)(.*)$", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern UNICODE_ESCAPE = java.util.regex.Pattern.compile("\\\\u+[0-9a-fA-F]{4}");
    private static final java.util.regex.Pattern MODIFY =
            java.util.regex.Pattern.compile("\\bmodify\\s*\\(");

    /**
     * Rewrites Drools' {@code modify (x) { a(..), b(..) }} block into plain Java with the same line
     * breaks: {@code update(x); (x).a(..); (x).b(..);}, so the setters are checked as calls on x.
     */
    static String rewriteModify(String code) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        Matcher m = MODIFY.matcher(code);
        while (m.find(pos)) {
            int open = m.end() - 1;
            int close = matching(code, open, '(', ')');
            if (close < 0) {
                break;
            }
            int brace = close + 1;
            while (brace < code.length() && Character.isWhitespace(code.charAt(brace))) {
                brace++;
            }
            if (brace >= code.length() || code.charAt(brace) != '{') {
                break;
            }
            int end = matching(code, brace, '{', '}');
            if (end < 0) {
                break;
            }
            String target = code.substring(open + 1, close);
            out.append(code, pos, m.start()).append("update(").append(target).append(");")
                    .append(code.substring(close + 1, brace).replaceAll("[^\\n]", ""));
            for (String part : splitTopLevel(code.substring(brace + 1, end))) {
                String lead = part.substring(0, part.length() - part.stripLeading().length());
                if (!part.isBlank()) {
                    String trail = part.substring(part.stripTrailing().length()).replaceAll("[^\\n]", "");
                    out.append(lead).append("(").append(target).append(").").append(part.strip()).append(";").append(trail);
                } else {
                    out.append(lead);
                }
            }
            pos = end + 1;
            if (pos < code.length() && code.charAt(pos) == ';') {
                pos++;
            }
        }
        out.append(code.substring(pos));
        return out.toString();
    }

    private static int matching(String s, int open, char o, char c) {
        int depth = 0;
        boolean str = false;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' && (i == 0 || s.charAt(i - 1) != '\\')) {
                str = !str;
            } else if (!str && ch == o) {
                depth++;
            } else if (!str && ch == c && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean str = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' && (i == 0 || s.charAt(i - 1) != '\\')) {
                str = !str;
            } else if (!str && (ch == '(' || ch == '{' || ch == '[')) {
                depth++;
            } else if (!str && (ch == ')' || ch == '}' || ch == ']')) {
                depth--;
            } else if (!str && depth == 0 && ch == ',') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static String oneLine(String s) {
        String t = s.strip().replaceAll("\\s+", " ");
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }

    /** Variables visible in a rule: pattern bindings, then consequence locals. */
    private static final class Scope {
        final String where;
        final Map<String, Class<?>> vars = new LinkedHashMap<>();

        Scope(String where) {
            this.where = where;
        }

        Scope copy() {
            Scope s = new Scope(where);
            s.vars.putAll(vars);
            return s;
        }
    }

    /** Walks one Java expression or statement list, checking every node against the allow-list. */
    private static final class Checker {
        final FileLint file;
        final Scope scope;
        final Class<?> patternType;
        final int baseLine;

        Checker(FileLint file, Scope scope, Class<?> patternType, int baseLine) {
            this.file = file;
            this.scope = scope;
            this.patternType = patternType;
            this.baseLine = baseLine;
        }

        void reject(Node n, String message) {
            int line = baseLine + n.getBegin().map(p -> p.line - 1).orElse(0);
            file.problem(line, scope.where + ": " + message);
        }

        void stmt(Statement s) {
            if (s instanceof BlockStmt b) {
                b.getStatements().forEach(this::stmt);
            } else if (s instanceof ExpressionStmt e) {
                expr(e.getExpression());
            } else if (s instanceof IfStmt i) {
                expr(i.getCondition());
                stmt(i.getThenStmt());
                i.getElseStmt().ifPresent(this::stmt);
            } else if (!(s instanceof EmptyStmt)) {
                String kind = s.getClass().getSimpleName().replace("Stmt", "").toLowerCase(Locale.ROOT);
                reject(s, "'" + kind + "' statements are not allowed in a consequence (no loops, try, throw, switch or "
                        + "synchronized: a rule's action is a few calls on its facts)");
            }
        }

        /** Checks e and returns its static type (a Class, a ClassRef for a class name, or null if unknown). */
        Object expr(Expression e) {
            if (e instanceof LiteralExpr) {
                return e.isStringLiteralExpr() || e.isTextBlockLiteralExpr() ? String.class : null;
            }
            if (e instanceof EnclosedExpr en) {
                return expr(en.getInner());
            }
            if (e instanceof BinaryExpr b) {
                Object l = expr(b.getLeft());
                Object r = expr(b.getRight());
                return b.getOperator() == BinaryExpr.Operator.PLUS && (l == String.class || r == String.class) ? String.class : null;
            }
            if (e instanceof UnaryExpr u) {
                expr(u.getExpression());
                return null;
            }
            if (e instanceof ConditionalExpr c) {
                expr(c.getCondition());
                Object a = expr(c.getThenExpr());
                Object b = expr(c.getElseExpr());
                return a != null && a.equals(b) ? a : null;
            }
            if (e instanceof NameExpr n) {
                return name(n, n.getNameAsString());
            }
            if (e instanceof ThisExpr) {
                return patternType;
            }
            if (e instanceof FieldAccessExpr f) {
                return field(f);
            }
            if (e instanceof MethodCallExpr m) {
                return call(m);
            }
            if (e instanceof ObjectCreationExpr o) {
                Class<?> t = typeOf(o.getType());
                if (o.getAnonymousClassBody().isPresent()) {
                    reject(o, "anonymous classes are not allowed");
                } else if (t == null || !FACT_TYPES.contains(t) || t == PolicyChange.class) {
                    reject(o, "new " + o.getTypeAsString() + " is not allowed: a rule may only create policy facts ("
                            + FACT_TYPES.stream().filter(c -> c != PolicyChange.class).map(Class::getSimpleName).toList() + ")");
                }
                o.getArguments().forEach(this::expr);
                return t;
            }
            if (e instanceof VariableDeclarationExpr v) {
                for (VariableDeclarator d : v.getVariables()) {
                    Class<?> t = d.getType() instanceof VarType ? null : typeOf(d.getType());
                    Object init = d.getInitializer().map(this::expr).orElse(null);
                    if (!(d.getType() instanceof VarType) && t == null) {
                        reject(d, "local variable type " + d.getTypeAsString() + " is not allowed");
                    }
                    Class<?> known = t != null ? t : init instanceof Class<?> c ? c : Object.class;
                    scope.vars.put(d.getNameAsString(), known);
                }
                return null;
            }
            if (e instanceof AssignExpr a) {
                if (!(a.getTarget() instanceof NameExpr n) || !scope.vars.containsKey(n.getNameAsString())
                        || n.getNameAsString().startsWith("$")) {
                    reject(a, "assignment to " + a.getTarget() + " is not allowed: change facts through their methods");
                }
                expr(a.getValue());
                return null;
            }
            if (e instanceof CastExpr c) {
                if (typeOf(c.getType()) == null) {
                    reject(c, "cast to " + c.getTypeAsString() + " is not allowed");
                }
                expr(c.getExpression());
                return typeOf(c.getType());
            }
            if (e instanceof ArrayCreationExpr a) {
                if (!(a.getElementType() instanceof PrimitiveType) && typeOf(a.getElementType()) != String.class) {
                    reject(a, "arrays of " + a.getElementType() + " are not allowed");
                }
                a.getLevels().forEach(l -> l.getDimension().ifPresent(this::expr));
                a.getInitializer().ifPresent(this::expr);
                return null;
            }
            if (e instanceof ArrayInitializerExpr a) {
                a.getValues().forEach(this::expr);
                return null;
            }
            if (e instanceof ArrayAccessExpr a) {
                expr(a.getName());
                expr(a.getIndex());
                return null;
            }
            if (e instanceof MethodReferenceExpr r) {
                Object scopeType = expr(r.getScope());
                if (!(scopeType instanceof ClassRef ref) || !staticAllowed(ref.type(), r.getIdentifier())) {
                    reject(r, "method reference " + r + " is not allowed (only java.lang.Math's, e.g. Math::max)");
                }
                return null;
            }
            reject(e, e.getClass().getSimpleName().replace("Expr", "").toLowerCase(Locale.ROOT)
                    + " expressions are not allowed in a policy rule ('" + oneLine(e.toString()) + "')");
            return null;
        }

        Object name(Node at, String name) {
            Class<?> v = scope.vars.get(name);
            if (v != null) {
                return v;
            }
            if (patternType != null) {
                Class<?> p = propertyType(patternType, name);
                if (p != null) {
                    return p;
                }
            }
            Class<?> c = file.factType(name);
            if (c != null) {
                return new ClassRef(c);
            }
            if (name.equals("drools") || name.equals("kcontext")) {
                reject(at, name + " is not allowed: it reaches the whole rule engine; use update/insert/delete on the facts");
            } else {
                reject(at, "'" + name + "' is not allowed: " + WHAT_IS_ALLOWED);
            }
            return null;
        }

        Object field(FieldAccessExpr f) {
            String qualified = qualifiedName(f);
            if (qualified != null) {
                Class<?> c = QUALIFIED_NAMES.get(qualified);
                if (c != null) {
                    return new ClassRef(c);
                }
                String root = rootName(f);
                boolean rootKnown = scope.vars.containsKey(root) || (patternType != null && propertyType(patternType, root) != null)
                        || file.factType(root) != null;
                String scopeName = qualifiedName(f.getScope());
                if (!rootKnown && !QUALIFIED_NAMES.containsKey(scopeName)) {
                    reject(f, qualified + " is not allowed: " + WHAT_IS_ALLOWED);
                    return null;
                }
            }
            Object scopeType = expr(f.getScope());
            String member = f.getNameAsString();
            if (scopeType instanceof ClassRef ref) {
                if (!staticAllowed(ref.type(), member)) {
                    reject(f, ref.type().getSimpleName() + "." + member + " is not allowed");
                    return null;
                }
                try {
                    return ref.type().getField(member).getType();
                } catch (NoSuchFieldException x) {
                    return null;
                }
            }
            if (scopeType instanceof Class<?> c) {
                if (!INSTANCE_ALLOWED.contains(c)) {
                    reject(f, "reading " + member + " of " + c.getSimpleName() + " is not allowed");
                    return null;
                }
                return propertyType(c, member);
            }
            return null;
        }

        Object call(MethodCallExpr m) {
            String name = m.getNameAsString();
            m.getArguments().forEach(this::expr);
            if (m.getScope().isEmpty()) {
                if (MACROS.contains(name)) {
                    return null;
                }
                if (patternType != null && !NEVER.contains(name) && methodsNamed(patternType, name, false) != null) {
                    return methodsNamed(patternType, name, false);
                }
                reject(m, name + "(...) is not allowed: rules cannot call functions; call the facts' methods ($c." + name + ")");
                return null;
            }
            Object scopeType = expr(m.getScope().get());
            if (NEVER.contains(name)) {
                reject(m, name + "(...) is not allowed in a policy rule");
                return null;
            }
            if (scopeType instanceof ClassRef ref) {
                if (!staticAllowed(ref.type(), name)) {
                    reject(m, ref.type().getSimpleName() + "." + name + "(...) is not allowed: " + WHAT_IS_ALLOWED);
                    return null;
                }
                return staticReturn(ref.type(), name);
            }
            if (scopeType instanceof Class<?> c) {
                if (!INSTANCE_ALLOWED.contains(c)) {
                    reject(m, "calling " + name + "(...) on a " + c.getSimpleName() + " is not allowed");
                    return null;
                }
                Object ret = methodsNamed(c, name, false);
                if (ret == null) {
                    reject(m, c.getSimpleName() + " has no method " + name + " a rule may call");
                    return null;
                }
                return ret == UNKNOWN ? null : ret;
            }
            // receiver of unknown type (arithmetic, ternary of mixed types): the name must be a method of an allowed type
            for (Class<?> c : INSTANCE_ALLOWED) {
                if (c != Object.class && methodsNamed(c, name, false) != null) {
                    return null;
                }
            }
            reject(m, name + "(...) is not a method of the policy facts");
            return null;
        }
    }

    private static final Object UNKNOWN = new Object();
    /** Class.getMethods() copies its array on every call; the linter asks the same few classes many times. */
    private static final Map<Class<?>, Method[]> METHODS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Return type of the public methods named {@code name} of c (UNKNOWN if overloads differ), or null if none. */
    private static Object methodsNamed(Class<?> c, String name, boolean statics) {
        Class<?> ret = null;
        boolean found = false;
        for (Method m : METHODS.computeIfAbsent(c, Class::getMethods)) {
            if (!m.getName().equals(name) || Modifier.isStatic(m.getModifiers()) != statics) {
                continue;
            }
            if (c == TeamSpend.class && name.equals("add")) {
                continue; // the gate's bookkeeping
            }
            if (found && ret != m.getReturnType()) {
                return UNKNOWN;
            }
            found = true;
            ret = m.getReturnType();
        }
        return found ? ret : null;
    }

    private static boolean staticAllowed(Class<?> c, String member) {
        if (NEVER.contains(member)) {
            return false;
        }
        Set<String> jdk = STATIC_ALLOWED.get(c);
        if (jdk != null) {
            return jdk.contains("*") || jdk.contains(member);
        }
        if (FACT_TYPES.contains(c) || CORE_TYPES.contains(c)) {
            if (methodsNamed(c, member, true) != null) {
                return true;
            }
            try {
                return Modifier.isStatic(c.getField(member).getModifiers());
            } catch (NoSuchFieldException e) {
                return false;
            }
        }
        return false;
    }

    private static Object staticReturn(Class<?> c, String name) {
        Object r = methodsNamed(c, name, true);
        return r == UNKNOWN ? null : r;
    }

    /** The type of property {@code name} of c (getter getName/isName or a record accessor), or null. */
    static Class<?> propertyType(Class<?> c, String name) {
        if (name.isEmpty() || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            return null;
        }
        String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (String getter : List.of("get" + cap, "is" + cap, name)) {
            try {
                Method m = c.getMethod(getter);
                if (!Modifier.isStatic(m.getModifiers()) && !NEVER.contains(getter)) {
                    return m.getReturnType();
                }
            } catch (NoSuchMethodException e) {
                // try the next form
            }
        }
        return null;
    }

    /** "a.b.c" if f is a chain of plain names, else null. */
    private static String qualifiedName(Expression e) {
        if (e instanceof NameExpr n) {
            return n.getNameAsString();
        }
        if (e instanceof FieldAccessExpr f) {
            String s = qualifiedName(f.getScope());
            return s == null ? null : s + "." + f.getNameAsString();
        }
        return null;
    }

    private static String rootName(FieldAccessExpr f) {
        Expression e = f;
        while (e instanceof FieldAccessExpr x) {
            e = x.getScope();
        }
        return e instanceof NameExpr n ? n.getNameAsString() : "";
    }

    /** An allowed type named in code (primitive, String, a fact or core type), else null. */
    private static Class<?> typeOf(Type t) {
        if (t instanceof PrimitiveType p) {
            return switch (p.getType()) {
                case BOOLEAN -> boolean.class;
                case INT -> int.class;
                case LONG -> long.class;
                case DOUBLE -> double.class;
                case FLOAT -> float.class;
                case SHORT -> short.class;
                case BYTE -> byte.class;
                case CHAR -> char.class;
            };
        }
        if (t instanceof ArrayType a) {
            return a.getElementType() instanceof PrimitiveType ? double[].class : null;
        }
        if (t instanceof ClassOrInterfaceType c) {
            String n = c.getNameWithScope();
            Class<?> k = SIMPLE_NAMES.get(n);
            if (k == null) {
                k = QUALIFIED_NAMES.get(n);
            }
            if (k == null && CORE_TYPES.stream().anyMatch(x -> x.getSimpleName().equals(n))) {
                k = CORE_TYPES.stream().filter(x -> x.getSimpleName().equals(n)).findFirst().orElseThrow();
            }
            return k != null && k != Math.class ? k : null;
        }
        return null;
    }
}
