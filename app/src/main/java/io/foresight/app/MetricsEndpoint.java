package io.foresight.app;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.foresight.app.stack.StackException;
import java.io.IOException;
import java.net.BindException;

/** Serves Foresight's Prometheus metrics (default registry, plus JVM metrics) on 127.0.0.1:PORT/metrics. */
final class MetricsEndpoint implements AutoCloseable {
    private static volatile boolean jvmRegistered;
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    static MetricsEndpoint start(int port) {
        synchronized (MetricsEndpoint.class) {
            if (!jvmRegistered) {
                JvmMetrics.builder().register();
                jvmRegistered = true;
            }
        }
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname("127.0.0.1").port(port).buildAndStart());
        } catch (BindException e) {
            throw new StackException("port " + port + " for the metrics endpoint is in use (another worker or demo?). Fix: stop it or set FORESIGHT_METRICS_PORT");
        } catch (IOException e) {
            throw new StackException("cannot serve metrics on port " + port + ": " + e.getMessage());
        }
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
