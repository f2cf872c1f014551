package io.foresight.app;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.foresight.app.stack.StackException;
import java.io.IOException;
import java.net.BindException;

/** Serves Foresight's Prometheus metrics (default registry, plus JVM metrics) on metrics.ip:PORT/metrics (127.0.0.1 by default). */
final class MetricsEndpoint implements AutoCloseable {
    private static volatile boolean jvmRegistered;
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    static MetricsEndpoint start(int port) {
        return start("127.0.0.1", port);
    }

    /**
     * On {@code ip}:{@code port}: loopback on a laptop; 0.0.0.0 inside a container, where Prometheus scrapes
     * over the container network (the port is not published on the host).
     */
    static MetricsEndpoint start(String ip, int port) {
        synchronized (MetricsEndpoint.class) {
            if (!jvmRegistered) {
                JvmMetrics.builder().register();
                jvmRegistered = true;
            }
        }
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(ip).port(port).buildAndStart());
        } catch (BindException e) {
            if (e.getMessage() == null || !e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("in use")) {
                // e.g. "Cannot assign requested address": metrics.ip is no address of this machine
                throw new StackException("cannot serve metrics on " + ip + ":" + port + ": " + e.getMessage()
                        + ". Fix: set FORESIGHT_METRICS_IP to an address of this machine (0.0.0.0: all of them)");
            }
            throw new StackException("port " + port + " on " + ip + " for the metrics endpoint is in use (another worker or demo?). Fix: stop it or set FORESIGHT_METRICS_PORT");
        } catch (IOException e) {
            throw new StackException("cannot serve metrics on " + ip + ":" + port + ": " + e.getMessage());
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
