package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.StackException;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS to Temporal with the certificates deploy/temporal/gen-certs.sh makes. */
class TemporalSecurityTest {
    static final Path SCRIPT = Path.of("..", "deploy", "temporal", "gen-certs.sh");

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), cmd + ": " + out);
        return out;
    }

    @Test
    void theGeneratedCertificatesChainToTheCaForTheirPurposeAndConfigureTheClient(@TempDir Path dir) throws Exception {
        Path certs = dir.resolve("certs");
        run(List.of("bash", SCRIPT.toString(), certs.toString()));
        String ca = certs.resolve("ca.pem").toString();
        assertTrue(run(List.of("openssl", "verify", "-purpose", "sslserver", "-CAfile", ca,
                certs.resolve("server.pem").toString())).contains("OK"));
        for (String client : List.of("control-worker", "training-worker", "temporal-ui", "admin")) {
            assertTrue(run(List.of("openssl", "verify", "-purpose", "sslclient", "-CAfile", ca,
                    certs.resolve(client + ".pem").toString())).contains("OK"), client);
        }
        assertTrue(run(List.of("openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
                certs.resolve("server.pem").toString())).contains("DNS:temporal"));
        // the CA key is not among the files the containers mount and read
        assertTrue(Files.exists(certs.resolve("private/ca.key")) && !Files.exists(certs.resolve("ca.key")));
        assertTrue(Files.readString(certs.resolve("control-worker.key")).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");

        FsConfig config = FsConfig.load(Map.of("FORESIGHT_TEMPORAL_TLS_CERT", certs.resolve("control-worker.pem").toString(),
                "FORESIGHT_TEMPORAL_TLS_KEY", certs.resolve("control-worker.key").toString(),
                "FORESIGHT_TEMPORAL_TLS_CA", ca, "FORESIGHT_TEMPORAL_TLS_SERVER_NAME", "temporal"));
        WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder().setTarget("temporal:7233");
        TemporalSecurity.configure(config, b);
        assertNotNull(b.build().getSslContext());
        assertTrue(b.build().getSslContext().isClient());
    }

    @Test
    void withoutACertificateTheConnectionStaysPlain() {
        WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:7233");
        TemporalSecurity.configure(FsConfig.load(Map.of()), b);
        assertNull(b.build().getSslContext());
    }

    @Test
    void anIncompleteTlsSettingNamesTheMissingVariable(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        StackException e = assertThrows(StackException.class, () -> TemporalSecurity.configure(FsConfig.load(Map.of(
                "FORESIGHT_TEMPORAL_TLS_CERT", cert.toString())), WorkflowServiceStubsOptions.newBuilder()));
        assertTrue(e.getMessage().contains("FORESIGHT_TEMPORAL_TLS_KEY"), e.getMessage());
        StackException bad = assertThrows(StackException.class, () -> TemporalSecurity.configure(FsConfig.load(Map.of(
                "FORESIGHT_TEMPORAL_TLS_CERT", cert.toString(), "FORESIGHT_TEMPORAL_TLS_KEY", cert.toString(),
                "FORESIGHT_TEMPORAL_TLS_CA", cert.toString())), WorkflowServiceStubsOptions.newBuilder()));
        assertTrue(bad.getMessage().contains("gen-certs.sh"), bad.getMessage());
    }
}
