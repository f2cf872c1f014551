package io.foresight.core.eval;

import io.foresight.core.trace.UserSeries;
import java.util.Map;

/** An allocation policy that can be replayed over a trace: a factory of per-user allocators. */
public interface AllocationPolicy {
    String name();

    /** Parameters as reported next to the results. */
    Map<String, Object> parameters();

    /**
     * Starts a user. {@code test} is the whole test series: policies must read only what
     * {@link UserAllocator#observe} gives them, except {@code static} (provisioned capacity, which is
     * known ahead) and {@code oracle} (the lower bound, which sees the future by definition).
     */
    UserAllocator start(UserSeries test);
}
