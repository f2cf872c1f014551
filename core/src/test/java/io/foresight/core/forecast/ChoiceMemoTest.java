package io.foresight.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.SyntheticSeries;
import io.foresight.core.trace.UserSeries;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChoiceMemoTest {
    private static ChoiceMemo.Decision decision() {
        return new ChoiceMemo.Decision(new int[Resource.COUNT], new PeriodicChoiceForecaster.Choice[Resource.COUNT]);
    }

    /**
     * A replay that starts again from the beginning (each setting of a sweep) after the memo is full of later blocks: an
     * earlier block asked twice is decided once. Dropping the oldest block by the clock dropped it at once, so it was
     * decided again at every origin.
     */
    @Test
    void aBlockAskedAgainAfterARewindIsDecidedOnce() {
        UserSeries s = SyntheticSeries.of("u", 200 * PeriodicChoiceForecaster.BLOCK, (i, r) -> i % 7);
        ChoiceMemo memo = new ChoiceMemo();
        AtomicInteger decided = new AtomicInteger();
        for (int b = 1; b < 200; b++) { // a first pass over 199 blocks, more than the memo keeps
            memo.block(s, b * PeriodicChoiceForecaster.BLOCK, () -> {
                decided.incrementAndGet();
                return decision();
            });
        }
        assertEquals(199, decided.get());
        assertEquals(ChoiceMemo.MAX_BLOCKS, memo.blocks("u", 300), "bounded");
        int start = 3 * PeriodicChoiceForecaster.BLOCK; // from the beginning again
        ChoiceMemo.Block first = memo.block(s, start, () -> {
            decided.incrementAndGet();
            return decision();
        });
        ChoiceMemo.Block again = memo.block(s, start, () -> {
            decided.incrementAndGet();
            return decision();
        });
        assertEquals(200, decided.get(), "decided once after the rewind, then kept");
        assertSame(first.decision(), again.decision());
        assertEquals(ChoiceMemo.MAX_BLOCKS, memo.blocks("u", 300), "still bounded");
    }

    /** The same user name on other data before a block is a new decision (the fingerprint), not the kept one. */
    @Test
    void otherDataBeforeTheBlockIsANewDecision() {
        ChoiceMemo memo = new ChoiceMemo();
        UserSeries a = SyntheticSeries.of("u", 400, (i, r) -> i % 7);
        UserSeries b = SyntheticSeries.of("u", 400, (i, r) -> i % 5);
        ChoiceMemo.Block x = memo.block(a, 144, ChoiceMemoTest::decision);
        ChoiceMemo.Block y = memo.block(b, 144, ChoiceMemoTest::decision);
        assertEquals(false, x.decision() == y.decision());
    }
}
