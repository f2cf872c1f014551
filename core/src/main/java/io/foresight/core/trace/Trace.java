package io.foresight.core.trace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Usage series of many users on one time step, plus the validation report of how it was read. */
public final class Trace {
    private final int stepSeconds;
    private final Map<String, UserSeries> users;
    private final ValidationReport report;

    public Trace(int stepSeconds, Map<String, UserSeries> users, ValidationReport report) {
        this.stepSeconds = stepSeconds;
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(users, "users")));
        this.report = Objects.requireNonNull(report, "report");
    }

    public int stepSeconds() { return stepSeconds; }
    public Map<String, UserSeries> users() { return users; }
    public List<String> userIds() { return List.copyOf(users.keySet()); }
    public UserSeries user(String id) { return users.get(id); }
    public ValidationReport report() { return report; }

    public long intervals() {
        long n = 0;
        for (UserSeries s : users.values()) {
            n += s.size();
        }
        return n;
    }

    /** The first {@code n} users in trace order (all of them if n <= 0 or n >= size). */
    public Trace limitUsers(int n) {
        if (n <= 0 || n >= users.size()) {
            return this;
        }
        Map<String, UserSeries> m = new LinkedHashMap<>();
        for (var e : users.entrySet()) {
            if (m.size() == n) {
                break;
            }
            m.put(e.getKey(), e.getValue());
        }
        return new Trace(stepSeconds, m, report);
    }
}
