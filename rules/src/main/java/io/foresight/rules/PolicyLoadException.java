package io.foresight.rules;

import java.util.List;

/** Policy files that do not compile or whose thresholds are invalid; lists every problem found. */
public final class PolicyLoadException extends RuntimeException {
    private final List<RuleProblem> problems;

    public PolicyLoadException(String source, List<RuleProblem> problems) {
        super("policy rules in " + source + " rejected: " + problems.size() + " problem(s): "
                + String.join("; ", problems.stream().map(RuleProblem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<RuleProblem> problems() {
        return problems;
    }
}
