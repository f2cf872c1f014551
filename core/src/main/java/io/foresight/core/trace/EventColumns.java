package io.foresight.core.trace;

import io.foresight.core.model.InteractionEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A user's {@link EventCounts} per interval, stored column-wise next to its usage in a {@link UserSeries} (only
 * sources that record interaction events have them: the ingestion store). Value i counts the events whose time lies
 * in interval i; an interval without events counts zero.
 */
public final class EventColumns {
    private static final InteractionEvent.Kind[] KINDS = InteractionEvent.Kind.values();
    private final int[][] counts;

    private EventColumns(int[][] counts) {
        this.counts = counts;
    }

    /** Columns of {@code n} intervals without events. */
    public static EventColumns none(int n) {
        return new EventColumns(new int[KINDS.length][n]);
    }

    /**
     * The events of {@code events} that fall on the grid of {@code n} intervals of {@code stepSeconds} starting at
     * {@code firstAt} (Unix s), counted per interval; events of other users or off the grid are not counted.
     */
    public static EventColumns bin(String user, List<InteractionEvent> events, long firstAt, int stepSeconds, int n) {
        Objects.requireNonNull(events, "events");
        EventColumns c = none(n);
        for (InteractionEvent e : events) {
            if (!e.user().equals(user)) {
                continue;
            }
            long i = Math.floorDiv(Math.floorDiv(e.timestampMillis(), 1000L) - firstAt, stepSeconds);
            if (i >= 0 && i < n) {
                c.counts[e.kind().ordinal()][(int) i]++;
            }
        }
        return c;
    }

    public int size() {
        return counts[0].length;
    }

    public EventCounts at(int i) {
        return new EventCounts(count(InteractionEvent.Kind.API_CALL, i), count(InteractionEvent.Kind.UI_ACTION, i),
                count(InteractionEvent.Kind.CONFIG_CHANGE, i));
    }

    public void set(int i, EventCounts e) {
        for (InteractionEvent.Kind k : KINDS) {
            counts[k.ordinal()][i] = e.of(k);
        }
    }

    public int count(InteractionEvent.Kind kind, int i) {
        return counts[kind.ordinal()][i];
    }

    /** Intervals [from, to) as new columns sharing no arrays with these. */
    public EventColumns slice(int from, int to) {
        int[][] out = new int[KINDS.length][];
        for (int k = 0; k < KINDS.length; k++) {
            out[k] = Arrays.copyOfRange(counts[k], from, to);
        }
        return new EventColumns(out);
    }

    /** Copies {@code len} intervals from {@code src} at {@code from} into these at {@code to}. */
    public void copyFrom(EventColumns src, int from, int to, int len) {
        for (int k = 0; k < KINDS.length; k++) {
            System.arraycopy(src.counts[k], from, counts[k], to, len);
        }
    }
}
