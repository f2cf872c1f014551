package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.cost.PriceBook;
import io.foresight.core.policy.PolicyGate;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummaryTest {
    @Test
    void summaryJsonFollowsTheContractAndReportRenders(@TempDir Path dir) throws Exception {
        int n = 2 * 288;
        double[] cpu = new double[n];
        double[] mem = new double[n];
        for (int i = 0; i < n; i++) {
            cpu[i] = 1 + Math.sin(i * 2 * Math.PI / 288);
            mem[i] = 2;
        }
        UserSeries s = EvaluatorTest.series("u1", 0, cpu, mem);
        Trace t = EvaluatorTest.trace(s);
        EvaluationResult r = Policies.evaluator(Policies.NAMES, t, Policies.ForesightSettings.defaults(),
                PolicyGate.PERMISSIVE, PriceBook.DEFAULT, io.foresight.core.engine.ApprovalModel.NOW,
                new Evaluator.Config(2, 0, 1, PriceBook.DEFAULT, null, 0)).run(t, t);
        Summary.writeJson(r, PriceBook.DEFAULT, dir.resolve("summary.json"));
        HtmlReport.write(r, PriceBook.DEFAULT, dir.resolve("report.html"));
        JsonNode root = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        for (String name : Policies.NAMES) {
            JsonNode p = root.path("policies").path(name);
            assertTrue(p.path("cost").isNumber(), name + ".cost");
            assertTrue(p.path("underprovisioned_fraction").path("cpu").isNumber(), name);
            assertTrue(p.path("underprovisioned_fraction").path("memory").isNumber(), name);
            assertTrue(p.path("slack").path("cpu").isNumber(), name);
            assertTrue(p.path("slack").path("memory").isNumber(), name);
            assertTrue(p.path("changes_per_user_day").isNumber(), name);
        }
        for (String k : List.of("mae", "rmse", "mase", "coverage")) {
            assertTrue(root.path("forecast").path(k).isNumber(), "forecast." + k);
        }
        assertEquals(1, root.path("users").asInt());
        assertEquals(n, root.path("intervals").asLong());
        assertEquals(0.0, root.path("policies").path("oracle").path("underprovisioned_fraction").path("cpu").asDouble(), 0);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<svg") && html.contains("foresight"));
        assertTrue(!html.contains("<script") && !html.contains("https://"), "report must need no network");
        assertTrue(Summary.table(r, PriceBook.DEFAULT).lines().count() >= Policies.NAMES.size() + 1);
    }
}
