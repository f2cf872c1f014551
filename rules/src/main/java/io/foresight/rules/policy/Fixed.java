package io.foresight.rules.policy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * A number with a fixed count of decimal places, as {@code String.format(Locale.ROOT, "%.Nf", v)} writes it, for
 * the messages of policy rules. The budget rules word a denial for most changes of a pool over its budget, every
 * cycle; at 10,000 users String.format's parsing of its pattern was a quarter of the policy check's CPU.
 */
public final class Fixed {
    private Fixed() {}

    /**
     * {@code v} with {@code places} decimals, the same text as {@code String.format(Locale.ROOT, "%.<places>f", v)}:
     * the shortest decimal that identifies the double, rounded half up, the sign kept on a negative that rounds to 0.
     */
    public static String places(double v, int places) {
        if (places < 0 || places > 15) {
            throw new IllegalArgumentException("places must be in [0, 15], got " + places);
        }
        // a pool over its budget gets the same budget and nearly the same totals worded every change, every cycle:
        // remember the text by the value's bits and the places (BigDecimal rounding was 3 % of a 10,000-user cycle)
        Key key = new Key(Double.doubleToRawLongBits(v), places);
        String known = WORDED.get(key);
        if (known != null) {
            return known;
        }
        String s = word(v, places);
        if (WORDED.size() >= WORDED_MAX) {
            WORDED.clear(); // bounded: the values worded lately are worded again soon
        }
        WORDED.put(key, s);
        return s;
    }

    private record Key(long bits, int places) {}

    private static final java.util.concurrent.ConcurrentHashMap<Key, String> WORDED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int WORDED_MAX = 1 << 16;

    private static String word(double v, int places) {
        if (!Double.isFinite(v) || Math.abs(v) >= 1e15) {
            return String.format(Locale.ROOT, "%." + places + "f", v);
        }
        BigDecimal rounded = BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP);
        String s = rounded.toPlainString();
        boolean negative = v < 0 || (v == 0 && Double.doubleToRawLongBits(v) != 0);
        return negative && rounded.signum() == 0 ? "-" + s : s;
    }
}
