package io.foresight.rules.policy;

/** Marks a user whose usage was flagged anomalous: a safety scale-up may exceed the step limit. */
public final class AnomalyFlag {
    private final String user;

    public AnomalyFlag(String user) {
        this.user = user;
    }

    public String getUser() { return user; }
}
