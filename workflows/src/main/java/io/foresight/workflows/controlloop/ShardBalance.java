package io.foresight.workflows.controlloop;

import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which shards move so that the workers that answered hold shards evenly: from the worker holding the most to the live
 * worker holding the fewest, one at a time, until no worker holds more than one shard more than any live one. Moving a
 * shard costs its users' histories being rebuilt on the new worker (a slower cycle for that shard), so only as many move
 * as balance needs, and a balanced pool moves none. Pure and ordered (ties by queue name, the highest shard moves
 * first): workflow code, replayed.
 */
final class ShardBalance {
    private ShardBalance() {}

    /**
     * The moves (shard to its new queue) that balance {@code held} over {@code live}. A holder that did not answer is
     * not taken for dead (the questions reach workers at random; a dead worker is noticed when its queue is not picked
     * up), so it keeps shards down to the balanced share but gets none.
     */
    static Map<Integer, String> moves(Map<Integer, String> held, SortedSet<String> live) {
        Map<Integer, String> moves = new TreeMap<>();
        if (live.isEmpty()) {
            return moves;
        }
        TreeMap<String, TreeSet<Integer>> byQueue = new TreeMap<>();
        live.forEach(q -> byQueue.put(q, new TreeSet<>()));
        held.forEach((shard, q) -> byQueue.computeIfAbsent(q, k -> new TreeSet<>()).add(shard));
        while (true) {
            String most = null;
            for (Map.Entry<String, TreeSet<Integer>> e : byQueue.entrySet()) {
                if (most == null || e.getValue().size() > byQueue.get(most).size()) {
                    most = e.getKey();
                }
            }
            String least = null;
            for (String q : live) {
                if (least == null || byQueue.get(q).size() < byQueue.get(least).size()) {
                    least = q;
                }
            }
            if (byQueue.get(most).size() - byQueue.get(least).size() <= 1) {
                return moves;
            }
            int shard = byQueue.get(most).pollLast();
            byQueue.get(least).add(shard);
            moves.put(shard, least);
        }
    }
}
