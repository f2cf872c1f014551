package io.foresight.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ArtifactStoreTest {
    @Test
    void mapsArtifactUrisToProxyPaths() {
        assertEquals("1/abc/artifacts/model", ArtifactStore.proxyPath("mlflow-artifacts:/1/abc/artifacts/model"));
        assertEquals("1/abc/artifacts", ArtifactStore.proxyPath("mlflow-artifacts://127.0.0.1:5000/1/abc/artifacts"));
        assertEquals("a/b", ArtifactStore.join("a/", "/b"));
        assertEquals("a", ArtifactStore.join("a", ""));
    }

    @Test
    void rejectsRootsTheProxyDoesNotServeAndPathTraversal() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ArtifactStore.proxyPath("/tmp/mlruns/1/abc/artifacts"));
        assertTrue(e.getMessage().contains("--serve-artifacts"));
        assertThrows(IllegalArgumentException.class, () -> ArtifactStore.proxyPath("mlflow-artifacts:/1/../../etc"));
    }

    @Test
    void connectionNeedsAnHttpUri() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MlflowConnection.of(URI.create("file:///tmp/mlruns")));
        assertTrue(e.getMessage().contains(MlflowConnection.ENV_TRACKING_URI));
        assertEquals("http://127.0.0.1:5000", MlflowConnection.of(URI.create("http://127.0.0.1:5000/")).baseUri().toString());
    }

    @Test
    void unreachableServerGivesAClearError() {
        // port 9 (discard) on loopback: nothing listens there
        ArtifactStore store = new ArtifactStore(MlflowConnection.of(URI.create("http://127.0.0.1:9"), java.time.Duration.ofSeconds(2)));
        MlflowException e = assertThrows(MlflowException.class, () -> store.list("mlflow-artifacts:/1/r/artifacts"));
        assertTrue(e.getMessage().contains("cannot reach http://127.0.0.1:9"), e.getMessage());
    }

    @Test
    void gateParsesModesAndRejectsBadMargins() {
        assertEquals(PromotionGate.Mode.MANUAL, PromotionGate.parse("Manual", 0.3).mode());
        assertEquals(0.05, PromotionGate.parse("auto", 0.05).margin());
        assertThrows(IllegalArgumentException.class, () -> PromotionGate.parse("yolo", 0));
        assertThrows(IllegalArgumentException.class, () -> PromotionGate.auto(1.5));
    }
}
