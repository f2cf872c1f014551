package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's two paths on the same data: the full stack (Temporal dev server, MLflow champion) and the
 * in-process Temporal test server it falls back to. They serve the same model, make the same decisions, and
 * the operator approves every change that waits on both; the full stack still scores what
 * {@link DemoReference#FULL_STACK} recorded, which the in-process unit test compares against.
 */
class DemoPathsIT {
    @Test
    void theFullStackAndTheInProcessServerAgree(@TempDir Path state) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        FsConfig stackConfig = config(state.resolve("full-stack"));
        LocalStack stack = new LocalStack(stackConfig, out);
        assertTrue(stack.healthy("temporal") && stack.healthy("mlflow"),
                "the local stack is not running. Fix: run through './foresight test', which starts it");
        DemoCommand.DemoRun full;
        DemoCommand.DemoRun local;
        Path trace = DemoReference.laterSlice(stackConfig.path("data.slice", null), state);
        withoutForecasterChampion(stackConfig);
        try {
            full = DemoReference.command(trace).run(stackConfig, out);
            local = DemoReference.command(trace, "--in-process").run(config(state.resolve("in-process")), out);
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        assertFalse(full.inProcess());
        assertTrue(local.inProcess());
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("Temporal UI:   http"), "the full stack's UIs are listed: " + text);

        // both paths predict with the retraining workflow's choice on the same data (the MLflow champion on the full
        // stack, the same family fitted on the same window and gated the same way in process) ...
        assertEquals(full.modelFamily(), local.modelFamily(), "the model both paths served");
        // ... so they make the same decisions, send the same changes to a person, and the operator approves them all
        assertEquals(full.outcomes(), local.outcomes(), "decisions per outcome");
        assertEquals(full.waitingApproval(), full.operatorApprovals(), "full stack: every waiting change approved in time");
        assertEquals(local.waitingApproval(), local.operatorApprovals(), "in process: every waiting change approved in time");
        assertEquals(full.policyEvents(), local.policyEvents(), "the policy author edits at the same cycles on both paths");
        DemoReference.assertAgrees(DemoReference.of(full), local);
        // ... and the same profiles, spot use and fallback, and learned headroom
        assertEquals(full.behaviour().patternsAtStart(), local.behaviour().patternsAtStart(), "patterns at start");
        assertEquals(full.behaviour().patternsAtEnd(), local.behaviour().patternsAtEnd(), "patterns at end");
        assertEquals(full.behaviour().versions(), local.behaviour().versions(), "profile versions");
        assertEquals(full.summary().spot().userIntervals(), local.summary().spot().userIntervals(), "spot user-intervals");
        assertEquals(full.behaviour().fallbacks(), local.behaviour().fallbacks(), "fallbacks to on-demand");
        assertEquals(full.behaviour().headroom(), local.behaviour().headroom(), "learned headroom per pattern");
        DemoReference.assertCloseTo(DemoReference.FULL_STACK, full);
    }

    /**
     * The full stack gates the retrained model against the registry's champion, the in-process path against the blend
     * baseline, as a fresh registry does. A local registry kept from an earlier build may hold a champion of another
     * family (one that scores the same on this slice keeps its place), which the in-process path cannot know: both paths
     * start here from a registry without a forecaster champion, as on a fresh clone. The versions stay registered.
     */
    private static void withoutForecasterChampion(FsConfig config) throws Exception {
        // the MLflow Java client has no DELETE; the server the demo's registry calls go to (Models.mlflow)
        String url = Models.mlflow(config).baseUri().toString().replaceAll("/+$", "") + "/api/2.0/mlflow/registered-models/alias";
        String body = "{\"name\": \"" + Models.REGISTERED_MODEL + "\", \"alias\": \"champion\"}";
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Content-Type", "application/json")
                        .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200 || r.statusCode() == 404 || r.body().contains("RESOURCE_DOES_NOT_EXIST"),
                "could not clear the forecaster champion: HTTP " + r.statusCode() + " " + r.body());
    }

    private static FsConfig config(Path state) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("FORESIGHT_HOME", Path.of("").toAbsolutePath().getParent().toString());
        env.put("FORESIGHT_STATE_DIR", state.toString());
        env.put("FORESIGHT_METRICS_PORT", "0");
        return FsConfig.load(env);
    }
}
