package io.foresight.core.engine;

import java.util.Locale;

/**
 * Who decides changes that the policies send to a person, in {@code evaluate} (in the loop a person
 * answers the workflow's {@code approve} signal). A waiting change keeps the allocation in force; when
 * the user's change is still wanted {@code afterCycles} cycles later the simulated operator approves it.
 * {@link #NEVER} models nobody answering (the loop's safe default when the approval wait times out).
 */
public record ApprovalModel(int afterCycles) {
    public static final ApprovalModel NOW = new ApprovalModel(0);
    public static final ApprovalModel NEVER = new ApprovalModel(-1);

    public boolean approves(int cyclesWaited) {
        return afterCycles >= 0 && cyclesWaited >= afterCycles;
    }

    /** {@code now}, {@code never} or {@code after:N} (cycles). */
    public static ApprovalModel parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("now")) {
            return NOW;
        }
        if (s.equals("never")) {
            return NEVER;
        }
        if (s.startsWith("after:")) {
            try {
                int n = Integer.parseInt(s.substring("after:".length()));
                if (n >= 0) {
                    return new ApprovalModel(n);
                }
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("approval model '" + spec + "' is not one of now, never, after:N (N >= 0 cycles)");
    }

    @Override
    public String toString() {
        return afterCycles < 0 ? "never" : afterCycles == 0 ? "now" : "after:" + afterCycles;
    }
}
