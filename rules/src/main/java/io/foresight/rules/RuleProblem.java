package io.foresight.rules;

/** A problem in a policy file: which file, which line (0 if unknown) and what is wrong. */
public record RuleProblem(String file, int line, String message) {
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
