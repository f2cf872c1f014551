package io.foresight.rules.policy;

/** Pool-wide facts of one check: pool, decision time (Unix s, UTC), operator freeze. */
public final class CycleFacts {
    private final String pool;
    private final long at;
    private final boolean operatorFreeze;

    public CycleFacts(String pool, long at, boolean operatorFreeze) {
        this.pool = pool;
        this.at = at;
        this.operatorFreeze = operatorFreeze;
    }

    public String getPool() { return pool; }
    public long getAt() { return at; }
    public boolean isOperatorFreeze() { return operatorFreeze; }
}
