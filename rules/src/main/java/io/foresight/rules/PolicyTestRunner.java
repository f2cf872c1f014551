package io.foresight.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Pattern;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import io.foresight.core.model.ResourceVectorJson;
import io.foresight.core.model.Tier;
import io.foresight.core.policy.DecisionOutcome;
import io.foresight.core.policy.PolicyContext;
import io.foresight.core.policy.PolicyDecision;
import io.foresight.core.policy.PolicyFacts;
import io.foresight.core.policy.ProposedChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs a policy author's test cases against a rule set, without the rest of Foresight. Each file
 * {@code DIR/tests/*.json} holds one case or an array of cases:
 * <pre>
 * { "name": "...",
 *   "context": { "pool": "p", "poolKind": "batch", "at": "2026-11-25T10:00:00Z", "operatorFreeze": false,
 *                "teamCostPerHour": {"research": 4.9}, "teamCostToday": {"research": 10} },
 *   "anomalies": ["alice"],
 *   "change": { "user": "alice", "team": "research", "tier": "STANDARD", "pattern": "BATCH",
 *               "current": {"cpu":1,...}, "proposed": {"cpu":4,...}, "forecastPeak": {"cpu":3.5,...},
 *               "spot": false },
 *   "expect": { "outcome": "ADJUSTED", "fired": ["Limit step size", "Approve with adjustments"],
 *               "allowed": {"cpu": 3}, "spot": false } }
 * </pre>
 * {@code fired} must match exactly (as a set); {@code allowed} checks only the resources given.
 * The current allocation is priced on-demand. {@code poolKind} ({@code vm-fleet}, the default, or
 * {@code batch}) picks the thresholds the case runs with (see {@link PoolKind}); {@code forecastPeak}
 * is the forecaster's peak behind the proposal (unknown when left out, so no scale-up is backed by it).
 */
public final class PolicyTestRunner {
    /** The result of one case. */
    public record CaseResult(String file, String name, boolean passed, List<String> failures, PolicyDecision decision) {
        public CaseResult {
            failures = List.copyOf(failures);
        }
    }

    private final PolicyRepository repository;
    private final PriceBook prices;
    private final Map<PoolKind, DroolsPolicyGate> gates = new java.util.EnumMap<>(PoolKind.class);

    /** Runs cases against {@code repository}; a case for another pool kind uses the same rules with that kind's thresholds. */
    public PolicyTestRunner(PolicyRepository repository, PriceBook prices) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.prices = Objects.requireNonNull(prices, "prices");
    }

    private DroolsPolicyGate gate(PoolKind kind) {
        return gates.computeIfAbsent(kind, k -> new DroolsPolicyGate(repository.forKind(k), prices));
    }

    /** Runs every case in {@code testsDir}/*.json, in file name order. */
    public List<CaseResult> runAll(Path testsDir) {
        if (!Files.isDirectory(testsDir)) {
            throw new IllegalArgumentException("no test directory " + testsDir + ": put cases in DIR/tests/*.json");
        }
        List<CaseResult> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(testsDir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.addAll(runFile(f));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + testsDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    public List<CaseResult> runFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            return List.of(new CaseResult(file.toString(), "(unreadable)", false, List.of(e.getMessage()), null));
        }
        List<CaseResult> out = new ArrayList<>();
        List<JsonNode> cases = new ArrayList<>();
        if (root.isArray()) {
            root.forEach(cases::add);
        } else {
            cases.add(root);
        }
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = c.path("name").asText(file.getFileName() + "#" + i);
            try {
                out.add(run(file.toString(), name, c));
            } catch (RuntimeException e) {
                out.add(new CaseResult(file.toString(), name, false, List.of("bad case: " + e.getMessage()), null));
            }
        }
        return out;
    }

    CaseResult run(String file, String name, JsonNode c) {
        JsonNode ctx = c.path("context");
        PoolKind kind = ctx.has("poolKind") ? PoolKind.parse(ctx.get("poolKind").asText()) : repository.kind();
        long at = ctx.has("at") ? Instant.parse(ctx.get("at").asText()).getEpochSecond() : 0;
        PolicyContext context = new PolicyContext(ctx.path("pool").asText("test"), at, doubles(ctx.path("teamCostPerHour")),
                ctx.path("operatorFreeze").asBoolean(false));
        Set<String> anomalies = new HashSet<>();
        c.path("anomalies").forEach(a -> anomalies.add(a.asText()));
        PolicyFacts facts = new PolicyFacts(anomalies, doubles(ctx.path("teamCostToday")));
        JsonNode ch = require(c, "change");
        ResourceVector current = ResourceVectorJson.fromNode(require(ch, "current"));
        ResourceVector proposed = ResourceVectorJson.fromNode(require(ch, "proposed"));
        boolean spot = ch.path("spot").asBoolean(false);
        ResourceVector unknown = ResourceVector.of(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        ResourceVector peak = ch.has("forecastPeak") ? partial(ch.get("forecastPeak"), unknown) : unknown;
        ProposedChange change = new ProposedChange(require(ch, "user").asText(), ch.path("team").asText("default"),
                Tier.valueOf(ch.path("tier").asText("STANDARD")), Pattern.valueOf(ch.path("pattern").asText("UNKNOWN")),
                current, proposed, peak, "test", spot,
                prices.costPerHour(proposed, spot) - prices.costPerHour(current, false));
        PolicyDecision d = gate(kind).check(context, List.of(change), facts).get(0);
        List<String> failures = new ArrayList<>();
        JsonNode ex = require(c, "expect");
        if (ex.has("outcome")) {
            DecisionOutcome want = DecisionOutcome.valueOf(ex.get("outcome").asText());
            if (want != d.outcome()) {
                failures.add("outcome: expected " + want + ", got " + d.outcome());
            }
        }
        if (ex.has("fired")) {
            Set<String> want = new LinkedHashSet<>();
            ex.get("fired").forEach(f -> want.add(f.asText()));
            if (!want.equals(new LinkedHashSet<>(d.firedRules())) ) {
                failures.add("fired: expected " + want + ", got " + d.firedRules());
            }
        }
        if (ex.has("allowed")) {
            var it = ex.get("allowed").fields();
            while (it.hasNext()) {
                var e = it.next();
                Resource r = Resource.parse(e.getKey());
                double want = e.getValue().asDouble();
                double got = d.allowed().get(r);
                if (Math.abs(want - got) > 1e-6 * Math.max(1, Math.abs(want))) {
                    failures.add("allowed " + r.name().toLowerCase(Locale.ROOT) + ": expected " + want + ", got " + got);
                }
            }
        }
        if (ex.has("spot") && ex.get("spot").asBoolean() != d.spot()) {
            failures.add("spot: expected " + ex.get("spot").asBoolean() + ", got " + d.spot());
        }
        return new CaseResult(file, name, failures.isEmpty(), failures, d);
    }

    /** The resources given in n; the others from {@code rest}. */
    private static ResourceVector partial(JsonNode n, ResourceVector rest) {
        double[] v = rest.toArray();
        n.fields().forEachRemaining(e -> v[Resource.parse(e.getKey()).ordinal()] = e.getValue().asDouble());
        return ResourceVector.of(v);
    }

    private static Map<String, Double> doubles(JsonNode n) {
        Map<String, Double> m = new HashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
        return m;
    }

    private static JsonNode require(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("'" + field + "' is missing");
        }
        return v;
    }
}
