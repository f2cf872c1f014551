package io.foresight.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.activities.controlloop.ControlLoopActivitiesImpl;
import io.foresight.core.actuate.SimulatedCluster;
import io.foresight.core.engine.ProfileState;
import io.foresight.core.model.Pattern;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;

/**
 * What the demo's loop learned about its users and did with spot capacity, read from what the loop wrote: the
 * profile versions ({@code pools/<pool>/profiles/versions.jsonl}), the headroom bandit's state, and the simulated
 * cluster's spot interruptions with their on-demand fallback.
 *
 * @param patternsAtStart users per pattern in their first published profile
 * @param patternsAtEnd   users per pattern in their last published profile
 * @param versions        profile versions the loop published over the run
 * @param patternChanges  of them, versions whose pattern moved
 * @param example         one user's versions, oldest first: one whose pattern moved, else the one with the most versions
 * @param headroom        the headroom learned per pattern (empty when learned headroom is off)
 * @param interruptions   spot interruptions the cluster applied (each user fell back to on-demand)
 * @param fallbackSeconds how long an interrupted user waited for its on-demand capacity: the cluster's lead time
 */
record DemoBehaviour(Map<Pattern, Integer> patternsAtStart, Map<Pattern, Integer> patternsAtEnd, long versions,
                     long patternChanges, List<ProfileState> example, Map<Pattern, Double> headroom,
                     List<SimulatedCluster.Interruption> interruptions, long fallbackSeconds) {

    static DemoBehaviour of(Path stateDir, String pool, SimulatedCluster cluster, long fallbackSeconds) {
        Path log = stateDir.resolve(ControlLoopActivitiesImpl.profileVersionsRef(pool));
        // the loop may append a version twice (a retried step publishes the same version again): one per user/version
        Map<String, ProfileState> byVersion = new TreeMap<>();
        if (Files.isRegularFile(log)) {
            ObjectMapper json = new ObjectMapper();
            try {
                for (String line : Files.readAllLines(log)) {
                    ProfileState v = json.readValue(line, ProfileState.class);
                    byVersion.put(v.user() + "/" + String.format(Locale.ROOT, "%012d", v.version()), v);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the profile versions " + log + ": " + e.getMessage(), e);
            }
        }
        Map<String, List<ProfileState>> perUser = new TreeMap<>();
        byVersion.values().forEach(v -> perUser.computeIfAbsent(v.user(), u -> new ArrayList<>()).add(v));
        Map<Pattern, Integer> start = new TreeMap<>();
        Map<Pattern, Integer> end = new TreeMap<>();
        long changes = 0;
        List<ProfileState> example = List.of();
        List<ProfileState> busiest = List.of();
        for (List<ProfileState> vs : perUser.values()) {
            start.merge(vs.get(0).pattern(), 1, Integer::sum);
            end.merge(vs.get(vs.size() - 1).pattern(), 1, Integer::sum);
            long moved = 0;
            for (int k = 1; k < vs.size(); k++) {
                if (vs.get(k).pattern() != vs.get(k - 1).pattern()) {
                    moved++;
                }
            }
            changes += moved;
            if (moved > 0 && example.isEmpty()) {
                example = vs;
            }
            if (vs.size() > busiest.size()) {
                busiest = vs;
            }
        }
        if (example.isEmpty()) {
            example = busiest;
        }
        // the bandit's arms per pattern the users had (the others keep the configured headroom, untried)
        Map<Pattern, Double> learned = new TreeMap<>(ControlLoopActivitiesImpl.learnedHeadroom(stateDir, pool));
        java.util.Set<Pattern> seen = new java.util.HashSet<>(start.keySet());
        seen.addAll(end.keySet());
        learned.keySet().retainAll(seen);
        return new DemoBehaviour(start, end, byVersion.size(), changes, example, learned,
                cluster == null ? List.of() : cluster.interruptions(pool), fallbackSeconds);
    }

    /** Users that lost spot capacity and fell back to on-demand, one per interruption. */
    long fallbacks() {
        return interruptions.size();
    }

    void print(PrintStream out, LongUnaryOperator cycleOf) {
        out.println("  users per pattern (first and last profile the loop published): start " + patternsAtStart
                + ", end " + patternsAtEnd);
        out.printf(Locale.ROOT, "  profile versions written by the loop: %d (%d pattern changes)%n", versions, patternChanges);
        if (!example.isEmpty()) {
            String user = example.get(0).user();
            out.println("  e.g. user " + user + " (./foresight profile " + user + "):");
            for (ProfileState v : example.subList(Math.max(0, example.size() - 6), example.size())) {
                out.printf(Locale.ROOT, "    v%d cycle %d: %s (confidence %.2f, spot eligible %s, next-hour cpu need %.2f) - %s%n",
                        v.version(), cycleOf.applyAsLong(v.updatedAt()), v.pattern(), v.confidence(), v.spotEligible(),
                        v.needNextHour()[0], v.change());
            }
        }
        out.println("  learned headroom per pattern (the loop's bandit): " + (headroom.isEmpty() ? "none (part off)" : headroom));
        if (interruptions.isEmpty()) {
            out.println("  spot interruptions: none");
        } else {
            Map<Long, List<String>> atCycle = new LinkedHashMap<>();
            interruptions.forEach(i -> atCycle.computeIfAbsent(cycleOf.applyAsLong(i.at()), c -> new ArrayList<>()).add(i.user()));
            atCycle.forEach((c, users) -> out.printf(Locale.ROOT,
                    "  spot interruption at cycle %d: %d user(s) lost their spot capacity (%s) and fell back to on-demand, "
                            + "in force %d s later (the cluster's lead time)%n", c, users.size(),
                    String.join(", ", users.subList(0, Math.min(5, users.size()))) + (users.size() > 5 ? ", ..." : ""),
                    fallbackSeconds));
        }
    }
}
