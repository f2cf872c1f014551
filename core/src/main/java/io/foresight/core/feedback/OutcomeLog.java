package io.foresight.core.feedback;

import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.monitor.UserOutcome;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Outcomes kept as training signal: one JSON line per user-interval with what was used, what was
 * allocated, the shortfall (violations), the slack (waste), the forecast error and the cost, so models and
 * the headroom learner can be retrained on what actually happened. Unobserved values are left out, not NaN.
 */
public final class OutcomeLog {
    /** One line of the log. Maps are keyed by lower-case resource name. */
    public record Entry(String user, Pattern pattern, long at, String model, double costDollars,
                        boolean underProvisioned, Map<String, Double> used, Map<String, Double> allocated,
                        Map<String, Double> shortfall, Map<String, Double> slack, Map<String, Double> absError) {
        public static Entry of(UserOutcome o) {
            return new Entry(o.user(), o.pattern(), o.at(), o.model(), o.cost(), o.underProvisioned(),
                    map(o.usage()), map(o.allocation()), map(o.shortfall()), map(o.slack()), map(o.absError()));
        }

        private static Map<String, Double> map(ResourceVector v) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (Resource r : Resource.values()) {
                double x = v.get(r);
                if (!Double.isNaN(x)) {
                    m.put(r.name().toLowerCase(Locale.ROOT), x);
                }
            }
            return m;
        }
    }

    private final Path file;

    public OutcomeLog(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    public void append(Collection<UserOutcome> outcomes) {
        JsonLines.append(file, outcomes.stream().map(Entry::of).toList());
    }

    /** Entries of {@code user} (null for all) at or after {@code since}. */
    public List<Entry> read(String user, long since) {
        return JsonLines.read(file, Entry.class, e -> (user == null || user.equals(e.user())) && e.at() >= since);
    }
}
