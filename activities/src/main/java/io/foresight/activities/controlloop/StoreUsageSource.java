package io.foresight.activities.controlloop;

import io.foresight.collect.store.TimeSeriesStore;
import io.foresight.core.trace.EventColumns;
import io.foresight.core.trace.UserSeries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The ingestion store as the loop's usage source: each user's usage as the store averages it into the loop's step,
 * and next to it the interaction events the ingestion API recorded ({@code POST /v1/events}), counted per interval
 * ({@link EventColumns}), so the engine reads them as a leading signal exactly as it reads a job log's queue.
 *
 * <p>Interval {@code i} starts at {@code start + (i - firstInterval()) * step}; the {@code warmupSteps} intervals before
 * {@code start} are the forecaster's warm-up history. Only intervals that have ended by {@code clock} exist, so an
 * event or sample of a later interval is never read. A user without a sample in an interval has stopped reporting
 * (the source is {@linkplain #live() live}). The users are those the store had usage of when the source was opened,
 * in id order.
 */
public final class StoreUsageSource implements UsageSource {
    private final TimeSeriesStore store;
    private final long start;
    private final int step;
    private final int warmup;
    private final LongSupplier clock;
    private final List<String> users;

    /**
     * @param start epoch seconds at which cycle 0's interval begins
     * @param clock epoch seconds now: intervals that have not ended are not read
     */
    public StoreUsageSource(TimeSeriesStore store, long start, int step, int warmupSteps, LongSupplier clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (step <= 0 || warmupSteps < 1) {
            throw new IllegalArgumentException("step and warmupSteps must be positive, got " + step + ", " + warmupSteps);
        }
        this.start = start;
        this.step = step;
        this.warmup = warmupSteps;
        List<String> u = new ArrayList<>(store.users());
        Collections.sort(u);
        this.users = List.copyOf(u);
    }

    @Override
    public List<String> users() {
        return users;
    }

    @Override
    public int stepSeconds() {
        return step;
    }

    @Override
    public int firstInterval() {
        return warmup;
    }

    @Override
    public int intervals() {
        long ended = Math.floorDiv(clock.getAsLong() - start, step);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE - warmup, ended)) + warmup;
    }

    @Override
    public UserSeries history(String user, int upTo) {
        int n = Math.max(0, Math.min(upTo, intervals()));
        long origin = start - (long) warmup * step;
        long to = origin + (long) n * step;
        UserSeries usage = store.series(user, origin, to, step);
        return usage.withEvents(EventColumns.bin(user, store.events(user, origin * 1000, to * 1000), origin, step, n));
    }

    @Override
    public boolean live() {
        return true;
    }
}
