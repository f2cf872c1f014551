package io.foresight.app;

import io.foresight.app.stack.FsConfig;
import io.foresight.app.stack.StackException;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Mutual TLS to the Temporal frontend, when the configuration names a client certificate:
 * {@code temporal.tls.cert} and {@code temporal.tls.key} (PEM, PKCS#8 key), {@code temporal.tls.ca} (PEM of the
 * CA that signed the server) and optionally {@code temporal.tls.server-name} (the name in the server's
 * certificate, when it differs from the host dialled). Without {@code temporal.tls.cert} the connection is
 * plain, as for the local dev server. With {@code temporal.auth.token-file} every call carries
 * {@code Authorization: Bearer <the file's content>}, read again on each call so a rotated token is picked up:
 * the JWT that Temporal's default authorizer checks. See docs/security.md and deploy/temporal/.
 */
final class TemporalSecurity {
    private TemporalSecurity() {
    }

    /** Adds mutual TLS and a bearer token to {@code b}, each if configured. */
    static void configure(FsConfig config, WorkflowServiceStubsOptions.Builder b) {
        tls(config, b);
        String tokenFile = config.get("temporal.auth.token-file", null);
        if (tokenFile != null) {
            Path f = config.path("temporal.auth.token-file", tokenFile);
            b.addGrpcMetadataProvider(new io.temporal.authorization.AuthorizationGrpcMetadataProvider(() -> {
                try {
                    return "Bearer " + Files.readString(f).strip();
                } catch (IOException e) {
                    throw new StackException("cannot read the Temporal token " + f + ": " + e.getMessage()
                            + ". Fix: point FORESIGHT_TEMPORAL_AUTH_TOKEN_FILE at a readable file holding the JWT");
                }
            }));
        }
    }

    private static boolean tls(FsConfig config, WorkflowServiceStubsOptions.Builder b) {
        String cert = config.get("temporal.tls.cert", null);
        if (cert == null) {
            return false;
        }
        Path certPath = config.path("temporal.tls.cert", cert);
        Path keyPath = config.path("temporal.tls.key", require(config, "temporal.tls.key"));
        Path caPath = config.path("temporal.tls.ca", require(config, "temporal.tls.ca"));
        try (InputStream c = Files.newInputStream(certPath); InputStream k = Files.newInputStream(keyPath)) {
            b.setSslContext(SimpleSslContextBuilder.forPKCS8(c, k).setTrustManager(trustManager(caPath).getTrustManagers()[0]).build());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new StackException("cannot set up mutual TLS to Temporal from " + certPath + ", " + keyPath + " and " + caPath
                    + ": " + e.getMessage() + ". Fix: generate them with deploy/temporal/gen-certs.sh and point"
                    + " FORESIGHT_TEMPORAL_TLS_CERT / _KEY / _CA at them");
        }
        String serverName = config.get("temporal.tls.server-name", null);
        if (serverName != null) {
            b.setChannelInitializer(ch -> ch.overrideAuthority(serverName));
        }
        return true;
    }

    private static String require(FsConfig config, String key) {
        String v = config.get(key, null);
        if (v == null) {
            throw new StackException("temporal.tls.cert is set but " + key + " is not. Fix: set "
                    + "FORESIGHT_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_')
                    + " too (mutual TLS needs the client certificate, its key and the server's CA)");
        }
        return v;
    }

    private static TrustManagerFactory trustManager(Path caPem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in " + caPem);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }
}
