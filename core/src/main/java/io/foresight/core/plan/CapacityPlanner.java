package io.foresight.core.plan;

import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.UserProfile;
import io.foresight.core.policy.PolicyDecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pool-level capacity plan: how many nodes of each instance type, on-demand and spot, hold the
 * approved allocations. Users are bin-packed on CPU and memory (first-fit decreasing by dominant
 * share); a new node is of the type with the lowest price per unit of normalised capacity that fits
 * the user, and each node is afterwards shrunk to the cheapest type that still holds its load.
 * Only spot-eligible users (pattern tolerates interruption, profile and policy allow spot) go to
 * spot nodes. {@link #replan} moves the users of interrupted spot nodes to on-demand.
 */
public final class CapacityPlanner {
    /** One user's approved allocation and whether it may run on spot capacity. */
    public record Demand(String user, ResourceVector allocation, boolean spotEligible) {
        public Demand {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(allocation, "allocation");
            if (!(allocation.cpu() >= 0) || !(allocation.memory() >= 0)) {
                throw new IllegalArgumentException(user + ": cpu and memory must be known and >= 0, got " + allocation);
            }
        }

        /** Spot only if the pattern tolerates interruption, the profile allows it and the policy kept it. */
        public static Demand of(UserProfile profile, PolicyDecision decision) {
            boolean spot = profile.mayRunOnSpot() && decision.spot();
            return new Demand(profile.user(), decision.allowed(), spot);
        }
    }

    /** One node of the plan with the users placed on it. */
    public record Node(String id, String type, boolean spot, double cpuUsed, double memoryUsed, List<String> users) {
        public Node {
            users = List.copyOf(users);
        }
    }

    /** Spot capacity lost: the listed nodes, or (if {@code instanceType} is set) every spot node of that type. */
    public record SpotInterruption(long at, List<String> nodeIds, String instanceType) {
        public SpotInterruption {
            nodeIds = List.copyOf(Objects.requireNonNull(nodeIds, "nodeIds"));
        }

        /** The interruption of the spot nodes that hold any of {@code users} (e.g. from the simulated cluster's events). */
        public static SpotInterruption ofUsers(Plan plan, java.util.Collection<String> users, long at) {
            List<String> ids = new ArrayList<>();
            for (Node n : plan.nodes()) {
                if (n.spot() && n.users().stream().anyMatch(users::contains)) {
                    ids.add(n.id());
                }
            }
            return new SpotInterruption(at, ids, null);
        }

        boolean hits(Node n) {
            return n.spot() && (nodeIds.contains(n.id()) || n.type().equals(instanceType));
        }
    }

    /** The plan: nodes, users that fit no instance type (with the reason), and total hourly cost. */
    public record Plan(List<Node> nodes, Map<String, String> unplaced, double costPerHour) {
        public Plan {
            nodes = List.copyOf(nodes);
            unplaced = Map.copyOf(unplaced);
        }

        /** Node counts keyed "type/spot" or "type/on-demand", sorted. */
        public Map<String, Integer> counts() {
            Map<String, Integer> m = new TreeMap<>();
            for (Node n : nodes) {
                m.merge(n.type() + (n.spot() ? "/spot" : "/on-demand"), 1, Integer::sum);
            }
            return m;
        }

        public Node nodeOf(String user) {
            return nodes.stream().filter(n -> n.users().contains(user)).findFirst().orElse(null);
        }
    }

    /** How many open nodes of a market a user is tried on before a new node is opened. */
    static final int LOOK_BACK = 64;

    private final InstanceCatalog catalog;

    public CapacityPlanner(InstanceCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    public Plan plan(List<Demand> demands) {
        return plan(demands, Set.of());
    }

    /** @param spotUnavailable instance types whose spot capacity is currently lost (users go on-demand instead) */
    public Plan plan(List<Demand> demands, Set<String> spotUnavailable) {
        Objects.requireNonNull(demands, "demands");
        Map<String, String> unplaced = new LinkedHashMap<>();
        List<Demand> spot = new ArrayList<>();
        List<Demand> onDemand = new ArrayList<>();
        for (Demand d : demands) {
            (d.spotEligible() ? spot : onDemand).add(d);
        }
        List<Bin> bins = new ArrayList<>();
        Counter ids = new Counter();
        List<Demand> spotLeft = pack(spot, true, spotUnavailable, bins, ids, unplaced, false);
        onDemand.addAll(spotLeft);
        pack(onDemand, false, Set.of(), bins, ids, unplaced, true);
        return finish(bins, unplaced);
    }

    /** Re-plans after an interruption: unaffected nodes stay, users of lost nodes move to on-demand. */
    public Plan replan(Plan plan, SpotInterruption event, Map<String, ResourceVector> allocations) {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(allocations, "allocations");
        List<Bin> bins = new ArrayList<>();
        List<Demand> moved = new ArrayList<>();
        Counter ids = new Counter();
        for (Node n : plan.nodes()) {
            ids.seen(n.id());
            if (event.hits(n)) {
                for (String u : n.users()) {
                    ResourceVector a = allocations.get(u);
                    if (a == null) {
                        throw new IllegalArgumentException("no allocation given for user " + u + " of interrupted node " + n.id());
                    }
                    moved.add(new Demand(u, a, false));
                }
            } else {
                Bin b = new Bin(n.id(), catalog.type(n.type()).orElseThrow(() ->
                        new IllegalArgumentException("plan uses type " + n.type() + " not in the catalog")), n.spot());
                b.cpu = n.cpuUsed();
                b.mem = n.memoryUsed();
                b.users.addAll(n.users());
                b.fixed = true; // running nodes keep their size
                bins.add(b);
            }
        }
        Map<String, String> unplaced = new LinkedHashMap<>(plan.unplaced());
        pack(moved, false, Set.of(), bins, ids, unplaced, true);
        return finish(bins, unplaced);
    }

    private static final class Bin {
        final String id;
        InstanceType type;
        final boolean spot;
        double cpu;
        double mem;
        boolean fixed;
        Set<String> excluded = Set.of();
        final List<String> users = new ArrayList<>();

        Bin(String id, InstanceType type, boolean spot) {
            this.id = id;
            this.type = type;
            this.spot = spot;
        }
    }

    private static final class Counter {
        int next = 1;

        void seen(String id) {
            int dash = id.lastIndexOf('-');
            try {
                next = Math.max(next, Integer.parseInt(id.substring(dash + 1)) + 1);
            } catch (NumberFormatException ignored) {
                // foreign id: does not affect numbering
            }
        }

        String next(boolean spot) {
            return (spot ? "spot-" : "od-") + next++;
        }
    }

    /** Packs demands into bins of one market; returns those that could not be placed there. */
    private List<Demand> pack(List<Demand> demands, boolean spot, Set<String> unavailable, List<Bin> bins, Counter ids,
                              Map<String, String> unplaced, boolean last) {
        double cMax = catalog.maxVcpu();
        double mMax = catalog.maxMemoryGiB();
        List<Demand> sorted = new ArrayList<>(demands);
        sorted.sort(Comparator.comparingDouble((Demand d) -> Math.max(d.allocation().cpu() / cMax, d.allocation().memory() / mMax))
                .reversed().thenComparing(Demand::user));
        List<Demand> left = new ArrayList<>();
        List<InstanceType> usable = catalog.types().stream().filter(t -> !spot || !unavailable.contains(t.name())).toList();
        for (Demand d : sorted) {
            double c = d.allocation().cpu();
            double m = d.allocation().memory();
            Bin home = null;
            // first fit over the most recently opened bins of this market only: users come largest
            // first, so older bins are nearly full, and a bounded look-back keeps packing O(users)
            int looked = 0;
            for (int k = bins.size() - 1; k >= 0 && looked < LOOK_BACK; k--) {
                Bin b = bins.get(k);
                if (b.spot != spot) {
                    continue;
                }
                looked++;
                if (b.type.fits(b.cpu + c, b.mem + m)) {
                    home = b;
                    break;
                }
            }
            if (home == null) {
                InstanceType best = null;
                double bestScore = Double.POSITIVE_INFINITY;
                for (InstanceType t : usable) {
                    if (t.fits(c, m)) {
                        double score = t.hourly(spot) / (t.vcpu() / cMax + t.memoryGiB() / mMax);
                        if (score < bestScore) {
                            bestScore = score;
                            best = t;
                        }
                    }
                }
                if (best == null) {
                    if (last) {
                        unplaced.put(d.user(), "needs " + c + " vCPU and " + m + " GiB; the largest instance type has "
                                + cMax + " vCPU and " + mMax + " GiB: split the workload or add a larger type to the catalog");
                    } else {
                        left.add(d);
                    }
                    continue;
                }
                home = new Bin(ids.next(spot), best, spot);
                home.excluded = spot ? unavailable : Set.of();
                bins.add(home);
            }
            home.cpu += c;
            home.mem += m;
            home.users.add(d.user());
        }
        return left;
    }

    private Plan finish(List<Bin> bins, Map<String, String> unplaced) {
        List<Node> nodes = new ArrayList<>();
        double cost = 0;
        for (Bin b : bins) {
            if (!b.fixed) {
                for (InstanceType t : catalog.types()) {
                    if (!b.excluded.contains(t.name()) && t.fits(b.cpu, b.mem) && t.hourly(b.spot) < b.type.hourly(b.spot)) {
                        b.type = t;
                    }
                }
            }
            cost += b.type.hourly(b.spot);
            nodes.add(new Node(b.id, b.type.name(), b.spot, b.cpu, b.mem, b.users));
        }
        return new Plan(nodes, unplaced, cost);
    }
}
