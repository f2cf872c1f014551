package io.foresight.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.app.stack.StackException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The metrics endpoint binds where metrics.ip says: 0.0.0.0 in a container (scrapable), loopback by default. */
class MetricsEndpointTest {
    @Test
    void bindsTheConfiguredAddressAndNamesTheVariableWhenThePortIsTaken() throws Exception {
        try (MetricsEndpoint all = MetricsEndpoint.start("0.0.0.0", 0)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + all.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("jvm_"), "JVM metrics are served");
            StackException e = org.junit.jupiter.api.Assertions.assertThrows(StackException.class,
                    () -> MetricsEndpoint.start("0.0.0.0", all.port()));
            assertTrue(e.getMessage().contains("FORESIGHT_METRICS_PORT") && e.getMessage().contains("0.0.0.0"), e.getMessage());
        }
    }

    @Test
    void anAddressOfNoInterfaceIsNamedAsSuchNotAsAPortInUse() {
        // 192.0.2.0/24 is reserved for documentation: no machine has it
        StackException e = org.junit.jupiter.api.Assertions.assertThrows(StackException.class,
                () -> MetricsEndpoint.start("192.0.2.1", 0).close());
        assertTrue(e.getMessage().contains("192.0.2.1") && e.getMessage().contains("FORESIGHT_METRICS_IP"), e.getMessage());
    }
}
