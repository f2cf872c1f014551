package io.foresight.mlflow;

import java.util.Locale;

/**
 * How the {@code champion} alias moves. {@code AUTO}: a challenger becomes champion when it beats the
 * champion's backtest metric by at least {@code margin} (relative, e.g. 0.02 = 2% lower error).
 * {@code MANUAL}: only a person moves it (MLflow UI); the workflow stops at {@code challenger}.
 */
public record PromotionGate(Mode mode, double margin) {
    public enum Mode { AUTO, MANUAL }

    public PromotionGate {
        java.util.Objects.requireNonNull(mode, "mode");
        if (!(margin >= 0 && margin < 1)) {
            throw new IllegalArgumentException("promotion margin must be in [0,1), got " + margin);
        }
    }

    public static PromotionGate auto(double margin) {
        return new PromotionGate(Mode.AUTO, margin);
    }

    public static PromotionGate manual() {
        return new PromotionGate(Mode.MANUAL, 0);
    }

    /** Parses "auto" or "manual" (as config files and the CLI spell them). */
    public static PromotionGate parse(String mode, double margin) {
        return switch (mode.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> auto(margin);
            case "manual" -> manual();
            default -> throw new IllegalArgumentException("unknown promotion gate '" + mode + "': use auto or manual");
        };
    }
}
