package io.foresight.workflows.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ShardBalanceTest {
    private static Map<Integer, String> held(String... queues) {
        Map<Integer, String> m = new HashMap<>();
        for (int s = 0; s < queues.length; s++) {
            m.put(s, queues[s]);
        }
        return m;
    }

    private static TreeSet<String> live(String... q) {
        return new TreeSet<>(java.util.List.of(q));
    }

    @Test
    void aJoinedWorkerTakesHalfOfASingleWorkersShardsTheHighestFirst() {
        assertEquals(Map.of(7, "b", 6, "b", 5, "b", 4, "b"),
                ShardBalance.moves(held("a", "a", "a", "a", "a", "a", "a", "a"), live("a", "b")));
    }

    @Test
    void aBalancedPoolMovesNothingEvenWithAnOddShard() {
        assertEquals(Map.of(), ShardBalance.moves(held("a", "b", "a", "b", "a"), live("a", "b")));
        assertEquals(Map.of(), ShardBalance.moves(held("a", "b", "c"), live("a", "b", "c")));
    }

    @Test
    void onlyAsManyMoveAsBalanceNeeds() {
        // a 4, b 2, c joins with 0: one from a to c, then the pool is 3/2/1 -> one more from a... until max-min <= 1
        Map<Integer, String> m = ShardBalance.moves(held("a", "a", "a", "a", "b", "b"), live("a", "b", "c"));
        assertEquals(Map.of(3, "c", 2, "c"), m);
    }

    @Test
    void aHolderThatDidNotAnswerKeepsItsShareButGetsNone() {
        // x did not answer (the questions reach workers at random): it is not taken for dead, only levelled
        assertEquals(Map.of(3, "b", 2, "b"), ShardBalance.moves(held("x", "x", "x", "x"), live("b")));
        assertEquals(Map.of(), ShardBalance.moves(held("x", "b"), live("b")));
    }

    @Test
    void noLiveWorkerMovesNothing() {
        assertEquals(Map.of(), ShardBalance.moves(held("a", "a"), live()));
    }
}
