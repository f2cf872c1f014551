package io.foresight.core.actuate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sets users' allocations where they run: the {@link SimulatedCluster} (the loop's default) or
 * Kubernetes. The loop's allocate activity calls {@link #apply} once per (pool, cycle, shard) with that
 * call's idempotency key. Implementations apply each key at most once, also across worker crashes and
 * concurrent retries on other workers, so a retried activity never applies twice; and they are
 * all-or-nothing: if any user's change fails, the users already changed are restored before
 * {@link ActuationException} is thrown.
 */
public interface Actuator {

    /**
     * Applies the request. A request whose key was applied before changes nothing and returns the first
     * result with {@link ApplyResult#replayed()} set.
     */
    ApplyResult apply(ApplyRequest request);

    /**
     * What the given users of the pool hold now; users the actuator never set are absent. The loop reads
     * this at the start of each cycle as the allocation in force.
     */
    Map<String, UserAllocation> current(String pool, Collection<String> users);

    /** What one user of the pool holds now, empty if the actuator never set it. */
    default Optional<UserAllocation> current(String pool, String user) {
        return Optional.ofNullable(current(pool, List.of(user)).get(user));
    }

    /**
     * Undoes an earlier apply: restores each changed user's previous allocation (a user that had none
     * loses the one the apply gave it). Used by a caller whose later step failed (saga compensation).
     * Compensating the same result twice changes nothing the second time.
     */
    void compensate(ApplyResult result);

    /**
     * What {@link #apply} would change, changing nothing (a dry-run): one entry per user whose allocation or market
     * would differ from what it holds now, in request order. Resources with no known value (NaN) are not managed
     * and so never differ.
     */
    default List<Change> diff(ApplyRequest request) {
        Map<String, UserAllocation> now = current(request.pool(),
                request.allocations().stream().map(UserAllocation::user).toList());
        List<Change> out = new java.util.ArrayList<>();
        for (UserAllocation want : request.allocations()) {
            UserAllocation had = now.get(want.user());
            StringBuilder what = new StringBuilder();
            for (io.foresight.core.model.Resource r : io.foresight.core.model.Resource.values()) {
                double to = want.allocation().get(r);
                double from = had == null ? Double.NaN : had.allocation().get(r);
                if (!Double.isNaN(to) && (Double.isNaN(from) || Math.abs(to - from) > 1e-9)) {
                    what.append(what.length() == 0 ? "" : ", ").append(r.name().toLowerCase(java.util.Locale.ROOT))
                            .append(' ').append(Double.isNaN(from) ? "unset" : Change.number(from)).append(" -> ")
                            .append(Change.number(to));
                }
            }
            if (had == null || had.spot() != want.spot()) {
                what.append(what.length() == 0 ? "" : ", ").append(want.spot() ? "on spot" : "on demand");
            }
            if (what.length() > 0) {
                out.add(new Change(want.user(), request.pool(), what.toString()));
            }
        }
        return out;
    }

    /**
     * One user's change in a dry-run.
     *
     * @param target where it would be written (e.g. a namespace's ResourceQuota)
     * @param what   the values before and after, e.g. {@code cpu 2 -> 3}
     */
    record Change(String user, String target, String what) {
        @Override
        public String toString() {
            return user + " (" + target + "): " + what;
        }

        static String number(double v) {
            return java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
        }
    }
}
