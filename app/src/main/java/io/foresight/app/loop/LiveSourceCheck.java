package io.foresight.app.loop;

import io.foresight.collect.source.PrometheusException;
import io.foresight.collect.source.PrometheusSource;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.Trace;
import java.time.Duration;

/**
 * What {@code loop start} checks before it starts a loop on a live source, so a Prometheus or an ingestion API that
 * is down, or a query that returns no series, is a one-line error at the prompt, not a loop that holds forever.
 */
public final class LiveSourceCheck {
    private LiveSourceCheck() {}

    /**
     * Queries the last hour before the loop's first interval and returns the pool's data-source reference with
     * its start (the pool file's {@code start}, else the interval that just ended).
     */
    public static String prometheus(PoolFile p, long nowSeconds) {
        long step = p.intervalSeconds();
        long start = start(p, nowSeconds);
        String url = p.source().substring("prometheus:".length());
        PrometheusSource.Config config = new PrometheusSource.Config(java.net.URI.create(url), p.userLabel(),
                java.util.Map.of(Resource.CPU, p.queries().get(Resource.CPU)), Duration.ofSeconds(10), PrometheusSource.PROMETHEUS_MAX_POINTS);
        Trace probe;
        try {
            probe = new PrometheusSource(config, start - 3600, start + step, (int) step).read();
        } catch (PrometheusException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(p.file() + ": Prometheus at " + url + " cannot be queried (" + oneLine(e.getMessage())
                    + "). Fix: start it (./foresight stack up) or correct the source URL");
        }
        if (probe.users().isEmpty()) {
            throw new IllegalArgumentException(p.file() + ": Prometheus at " + url + " returned no series with label '" + p.userLabel()
                    + "' for the cpu query in the hour before " + java.time.Instant.ofEpochSecond(start)
                    + ". Fix: check prometheus.query.cpu and prometheus.user-label in the Prometheus UI, or set start: to when data exists");
        }
        return p.dataSource() + "&start=" + start;
    }

    /**
     * Asks the ingestion API for its users (opened as the workers open it: their token and trust) and
     * returns the pool's data-source reference with its start: the pool file's {@code start}, else the interval that
     * just ended. The token stays out of the reference, which the Temporal UI shows.
     */
    public static String store(PoolFile p, long nowSeconds, java.util.function.Function<String, io.foresight.collect.store.StoreView> open) {
        long start = start(p, nowSeconds);
        String url = p.source().substring("store:".length());
        java.util.List<String> users;
        try {
            users = open.apply(url).users();
        } catch (io.foresight.collect.store.StoreException | IllegalArgumentException e) {
            throw new IllegalArgumentException(p.file() + ": " + oneLine(e.getMessage()));
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException(p.file() + ": the ingestion store at " + url + " has no usage of any user. Fix: "
                    + "POST usage samples to " + url + "/v1/usage (docs/ingest-api.md) or load a trace with ./foresight data load");
        }
        return p.dataSource() + "&start=" + start;
    }

    /** A live loop's first interval: the pool file's {@code start}, else the interval that just ended; on the step grid. */
    private static long start(PoolFile p, long nowSeconds) {
        long step = p.intervalSeconds();
        long start = p.start() != null ? p.start().getEpochSecond() : Math.floorDiv(nowSeconds, step) * step - step;
        return Math.floorDiv(start, step) * step;
    }

    private static String oneLine(String s) {
        String m = String.valueOf(s);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
