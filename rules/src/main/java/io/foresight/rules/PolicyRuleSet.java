package io.foresight.rules;

import io.foresight.rules.policy.PolicyThresholds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.Message;
import org.kie.api.builder.Results;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.Resource;
import org.kie.api.io.ResourceType;
import org.kie.internal.utils.KieHelper;

/**
 * A compiled, validated set of policy rules with its thresholds. Immutable; the repository swaps
 * whole rule sets, so a check always runs against one consistent version.
 */
public final class PolicyRuleSet {
    public static final String THRESHOLDS = "thresholds.json";

    private final KieBase kieBase;
    private final PolicyThresholds thresholds;
    private final String source;
    private final String fingerprint;
    private final List<String> files;
    private final List<String> poolWide;

    private PolicyRuleSet(KieBase kieBase, PolicyThresholds thresholds, String source, String fingerprint, List<String> files,
                          List<String> poolWide) {
        this.poolWide = List.copyOf(poolWide);
        this.kieBase = kieBase;
        this.thresholds = thresholds;
        this.source = source;
        this.fingerprint = fingerprint;
        this.files = List.copyOf(files);
    }

    /** The files this set was built from: the DRL files, then the thresholds file (relative names). */
    public List<String> files() {
        return files;
    }

    /** Where the thresholds came from (a file name, or "bundled ..." when the directory has none). */
    public String thresholdsSource() {
        return files.get(files.size() - 1);
    }

    /**
     * Whether every rule decides a change from its own team's state alone ({@link TeamLocality}): then the gate may check
     * the teams on several threads with the sequential check's exact decisions.
     */
    public boolean teamLocal() {
        return poolWide.isEmpty();
    }

    /** The rules that read or change state shared across teams, with the reason; empty if {@link #teamLocal()}. */
    public List<String> poolWideRules() {
        return poolWide;
    }

    public KieBase kieBase() {
        return kieBase;
    }

    public PolicyThresholds thresholds() {
        return thresholds;
    }

    /** Where the rules came from (directory or "bundled"). */
    public String source() {
        return source;
    }

    /** Hash of the files this set was built from. */
    public String fingerprint() {
        return fingerprint;
    }

    public List<String> ruleNames() {
        List<String> out = new ArrayList<>();
        for (KiePackage p : kieBase.getKiePackages()) {
            for (Rule r : p.getRules()) {
                out.add(r.getName());
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Compiles {@code drls} (file name → DRL text) with {@code thresholdsJson}. Every compiler error is
     * reported with its file and line; nothing is built if there is any.
     *
     * @throws PolicyLoadException listing all problems
     */
    public static PolicyRuleSet build(String source, Map<String, String> drls, String thresholdsName, String thresholdsJson,
                                      String fingerprint) {
        Objects.requireNonNull(drls, "drls");
        List<RuleProblem> problems = new ArrayList<>();
        if (drls.isEmpty()) {
            problems.add(new RuleProblem(source, 0, "no .drl files found; put policy rules (*.drl) there"));
        }
        PolicyThresholds thresholds = null;
        if (thresholdsJson == null) {
            problems.add(new RuleProblem(source, 0, "no " + THRESHOLDS + " found"));
        } else {
            try {
                thresholds = PolicyThresholds.parse(thresholdsJson);
            } catch (PolicyThresholds.InvalidThresholdsException e) {
                problems.add(new RuleProblem(thresholdsName, e.line(), e.getMessage()));
            }
        }
        // DRL is data, not code: nothing outside the allow-list is even compiled
        List<RuleProblem> lint = PolicyLinter.lint(drls);
        if (!lint.isEmpty()) {
            problems.addAll(lint);
            throw new PolicyLoadException(source, problems);
        }
        KieServices ks = KieServices.Factory.get();
        KieHelper helper = new KieHelper();
        for (var e : drls.entrySet()) {
            Resource r = ks.getResources().newByteArrayResource(e.getValue().getBytes(StandardCharsets.UTF_8));
            r.setSourcePath(e.getKey());
            r.setResourceType(ResourceType.DRL);
            helper.addResource(r, ResourceType.DRL);
        }
        KieBase base = null;
        if (!drls.isEmpty()) {
            Results results = helper.verify();
            for (Message m : results.getMessages(Message.Level.ERROR)) {
                problems.add(new RuleProblem(m.getPath() == null ? source : m.getPath(), m.getLine(), m.getText().strip()));
            }
            if (problems.isEmpty()) {
                base = helper.build();
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyLoadException(source, problems);
        }
        List<String> files = new ArrayList<>(drls.keySet());
        files.add(String.valueOf(thresholdsName));
        return new PolicyRuleSet(base, thresholds, source, fingerprint, files, TeamLocality.poolWide(drls));
    }
}
