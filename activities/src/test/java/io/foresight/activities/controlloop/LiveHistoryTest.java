package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.foresight.collect.store.DuckDbStore;
import io.foresight.collect.store.WriteBatch;
import io.foresight.core.eval.RetrainWindow;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retraining of a loop on a live source reads the loop's own history from that source, up to what it has seen. */
class LiveHistoryTest {
    static final int STEP = 300;
    static final int WARMUP = 4 * 288;

    @TempDir
    Path dir;

    @Test
    void aLiveSourceGivesItsHistoryBeforeTheEndTimeAndNothingThatHasNotEnded() {
        Trace slice = BitbrainsReader.read(OneEngineParityTest.slice());
        Map<String, UserSeries> three = new LinkedHashMap<>();
        for (String id : slice.userIds().subList(0, 3)) {
            three.put(id, slice.user(id).slice(0, 7 * 288));
        }
        try (DuckDbStore store = DuckDbStore.open(dir.resolve("s.duckdb"))) {
            store.write(WriteBatch.builder("bitbrains").usage(three.values()).build());
            UserSeries first = three.values().iterator().next();
            long origin = first.timestamp(0);
            long start = origin + (long) WARMUP * STEP;
            long now = start + 2 * 86_400L;
            StoreUsageSource source = new StoreUsageSource(store, start, STEP, WARMUP, () -> now);

            long end = start + 86_400L; // the loop has seen one day after its warm-up
            Trace history = LiveHistory.before(source, 0, end);
            assertEquals(List.copyOf(three.keySet()).stream().sorted().toList(), new ArrayList<>(history.users().keySet()));
            for (UserSeries want : three.values()) {
                UserSeries got = history.user(want.user());
                assertEquals(WARMUP + 288, got.size(), "warm-up plus the day seen, not the days after");
                assertEquals(origin, got.timestamp(0));
                assertArrayEquals(java.util.Arrays.copyOf(want.usageColumn(Resource.CPU), WARMUP + 288),
                        got.usageColumn(Resource.CPU), 1e-9, want.user());
            }
            // what a retraining cuts from it: the last two days held out, the rest to learn from
            RetrainWindow w = RetrainWindow.of("live", history, end, 2, "store");
            assertEquals(end - 2 * 86_400L, w.evalFrom());

            // an end time past the clock: only intervals that have ended are read
            Trace capped = LiveHistory.before(source, 2, now + 86_400L);
            assertEquals(2, capped.users().size());
            assertEquals(WARMUP + 2 * 288, capped.users().values().iterator().next().size());

            assertThrows(IllegalArgumentException.class, () -> LiveHistory.before(source, 0, origin));
        }
    }
}
